import { stringify } from "yaml";

/** First line of every rendered observability file: where it comes from, so a hand edit is known to be drift. */
export function renderedHeader(source: string): string {
  return `# Rendered by hemma-infra from ${source}; a hand edit is drift and the next up replaces it.\n`;
}

/**
 * YAML the way the services' Go parsers read it: block style, no line folding (regexes and
 * LogQL stay on one line), strings quoted only where YAML needs it.
 */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, minContentWidth: 0 });
}
