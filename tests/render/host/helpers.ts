import type { RenderedFile } from "../../../render/types";

/** The file at `path` among `files`; throws listing the paths when it is absent. */
export function fileAt(files: readonly RenderedFile[], path: string): RenderedFile {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`no rendered file ${path}; have: ${files.map((x) => x.path).join(", ")}`);
  return f;
}

/** The `Key=Value` lines of one `[section]` of a unit file, in order. */
export function sectionLines(content: string, section: string): string[] {
  const out: string[] = [];
  let inSection = false;
  for (const line of content.split("\n")) {
    const header = /^\[(.+)\]$/.exec(line);
    if (header) inSection = header[1] === section;
    else if (inSection && line.includes("=") && !line.startsWith("#")) out.push(line);
  }
  return out;
}
