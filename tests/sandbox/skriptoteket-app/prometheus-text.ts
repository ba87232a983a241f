/**
 * A strict reader of the Prometheus text exposition format (0.0.4), enough to prove a scrape
 * parses: every sample belongs to a family declared by `# TYPE`, labels and values are well
 * formed, and each histogram's buckets are cumulative and end in `+Inf` equal to `_count`.
 */

/** One sample line. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One metric family. */
export interface Family {
  readonly type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  readonly help: string;
  readonly samples: Sample[];
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;

function parseValue(raw: string, line: number): number {
  if (raw === "+Inf") return Infinity;
  if (raw === "-Inf") return -Infinity;
  if (raw === "NaN") return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) throw new Error(`line ${line}: bad value ${raw}`);
  return Number(raw);
}

function parseLabels(raw: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < raw.length) {
    const m = LABEL.exec(raw);
    if (!m) throw new Error(`line ${line}: bad labels {${raw}}`);
    if (m[1]! in labels) throw new Error(`line ${line}: label ${m[1]} twice`);
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
  }
  return labels;
}

function familyOf(families: Map<string, Family>, name: string): Family | undefined {
  const direct = families.get(name);
  if (direct) return direct;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  const f = m ? families.get(m[1]!) : undefined;
  return f && f.type === "histogram" ? f : undefined;
}

function checkHistogram(name: string, f: Family): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(rest);
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name === `${name}_bucket`) {
      if (le === undefined) throw new Error(`${name}: bucket without le`);
      entry.buckets.push([parseValue(le, 0), s.value]);
    } else if (s.name === `${name}_count`) entry.count = s.value;
  }
  for (const [key, { buckets, count }] of series) {
    if (buckets.length === 0 || buckets[buckets.length - 1]![0] !== Infinity) {
      throw new Error(`${name}${key}: the last bucket is not le="+Inf"`);
    }
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i]![0] > buckets[i - 1]![0]) || buckets[i]![1] < buckets[i - 1]![1]) {
        throw new Error(`${name}${key}: buckets are not ordered and cumulative`);
      }
    }
    if (count !== buckets[buckets.length - 1]![1])
      throw new Error(`${name}${key}: _count is not the +Inf bucket`);
  }
}

/** Parses a scrape; throws naming the line on anything malformed. */
export function parsePrometheusText(text: string): Map<string, Family> {
  if (!text.endsWith("\n")) throw new Error("the exposition does not end with a newline");
  const families = new Map<string, Family>();
  const help = new Map<string, string>();
  text
    .slice(0, -1)
    .split("\n")
    .forEach((l, i) => {
      const line = i + 1;
      const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(l);
      if (comment) {
        const [, kind, name, rest] = comment;
        if (!new RegExp(`^${NAME}$`).test(name!)) throw new Error(`line ${line}: bad metric name ${name}`);
        if (kind === "HELP") help.set(name!, rest!);
        else {
          if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(rest!)) {
            throw new Error(`line ${line}: unknown type ${rest}`);
          }
          if (families.has(name!)) throw new Error(`line ${line}: ${name} declared twice`);
          families.set(name!, { type: rest as Family["type"], help: help.get(name!) ?? "", samples: [] });
        }
        return;
      }
      const m = SAMPLE.exec(l);
      if (!m) throw new Error(`line ${line}: not a sample: ${JSON.stringify(l)}`);
      const family = familyOf(families, m[1]!);
      if (!family) throw new Error(`line ${line}: ${m[1]} has no # TYPE before it`);
      family.samples.push({
        name: m[1]!,
        labels: parseLabels(m[2] ?? "", line),
        value: parseValue(m[3]!, line),
      });
    });
  for (const [name, f] of families) if (f.type === "histogram") checkHistogram(name, f);
  return families;
}

/** The value of the one sample named `name` whose labels include `labels`; throws unless exactly one. */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  const matches = [...families.values()]
    .flatMap((f) => f.samples)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (matches.length !== 1) throw new Error(`${matches.length} samples ${name}${JSON.stringify(labels)}`);
  return matches[0]!.value;
}
