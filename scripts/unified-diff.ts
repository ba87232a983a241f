/**
 * A unified diff of two texts, in the format of `diff -u` (hunk headers, three lines of context,
 * `\ No newline at end of file`), for `npm run drift`'s report of a drifted file. Pure.
 */

/** One line of the edit script: kept (` `), removed (`-`) or added (`+`). */
interface Edit {
  readonly op: " " | "-" | "+";
  readonly text: string;
  /** Line number (1-based) in the old text, for kept and removed lines. */
  readonly a: number;
  /** Line number (1-based) in the new text, for kept and added lines. */
  readonly b: number;
}

/** Above this many line pairs the longest-common-subsequence table is not built: one hunk replaces all. */
const MAX_CELLS = 4_000_000;

const NO_NEWLINE = "\\ No newline at end of file";

function splitLines(text: string): { lines: string[]; finalNewline: boolean } {
  if (text === "") return { lines: [], finalNewline: true };
  const finalNewline = text.endsWith("\n");
  const lines = (finalNewline ? text.slice(0, -1) : text).split("\n");
  return { lines, finalNewline };
}

/** The shortest edit script from `a` to `b` (longest common subsequence, removals before additions). */
function editScript(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  if (n * m > MAX_CELLS) {
    return [
      ...a.map((text, i) => ({ op: "-" as const, text, a: i + 1, b: 0 })),
      ...b.map((text, j) => ({ op: "+" as const, text, a: 0, b: j + 1 })),
    ];
  }
  // lcs[i][j]: length of the LCS of a[i..] and b[j..], flattened.
  const lcs = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number): number => i * (m + 1) + j;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[at(i, j)] =
        a[i] === b[j] ? lcs[at(i + 1, j + 1)]! + 1 : Math.max(lcs[at(i + 1, j)]!, lcs[at(i, j + 1)]!);
    }
  }
  const edits: Edit[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      edits.push({ op: " ", text: a[i]!, a: i + 1, b: j + 1 });
      i++;
      j++;
    } else if (j >= m || (i < n && lcs[at(i + 1, j)]! >= lcs[at(i, j + 1)]!)) {
      edits.push({ op: "-", text: a[i]!, a: i + 1, b: j });
      i++;
    } else {
      edits.push({ op: "+", text: b[j]!, a: i, b: j + 1 });
      j++;
    }
  }
  return edits;
}

/** `start,count` of a hunk side the way diff prints it (`start` is the line before when empty). */
function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${count === 0 ? start - 1 : start},${count}`;
}

/**
 * The unified diff from `oldText` to `newText` under the labels `oldLabel`/`newLabel`, as lines
 * (no trailing newline); empty when the texts are equal.
 */
export function unifiedDiff(
  oldText: string,
  newText: string,
  oldLabel: string,
  newLabel: string,
  context = 3,
): string[] {
  if (oldText === newText) return [];
  const a = splitLines(oldText);
  const b = splitLines(newText);
  const edits = editScript(a.lines, b.lines);
  // A missing final newline changes the last line too.
  if (a.finalNewline !== b.finalNewline && a.lines.length > 0 && b.lines.length > 0) {
    const lastA = a.lines.length;
    const lastB = b.lines.length;
    const k = edits.findIndex((e) => e.op === " " && e.a === lastA && e.b === lastB);
    if (k >= 0) {
      const e = edits[k]!;
      edits.splice(
        k,
        1,
        { op: "-", text: e.text, a: e.a, b: e.b - 1 },
        { op: "+", text: e.text, a: e.a, b: e.b },
      );
    }
  }
  const changed = edits.map((e, k) => (e.op === " " ? -1 : k)).filter((k) => k >= 0);
  const out = [`--- ${oldLabel}`, `+++ ${newLabel}`];
  let h = 0;
  while (h < changed.length) {
    const first = changed[h]!;
    let last = first;
    while (h + 1 < changed.length && changed[h + 1]! - last <= 2 * context + 1) {
      h++;
      last = changed[h]!;
    }
    h++;
    const from = Math.max(0, first - context);
    const to = Math.min(edits.length - 1, last + context);
    const hunk = edits.slice(from, to + 1);
    const oldLines = hunk.filter((e) => e.op !== "+");
    const newLines = hunk.filter((e) => e.op !== "-");
    const oldStart = oldLines[0]?.a ?? hunk[0]!.a + 1;
    const newStart = newLines[0]?.b ?? hunk[0]!.b + 1;
    out.push(`@@ -${range(oldStart, oldLines.length)} +${range(newStart, newLines.length)} @@`);
    for (const e of hunk) {
      out.push(`${e.op}${e.text}`);
      const isLastOld = e.op !== "+" && e.a === a.lines.length && !a.finalNewline;
      const isLastNew = e.op !== "-" && e.b === b.lines.length && !b.finalNewline;
      if (
        (e.op === "-" && isLastOld) ||
        (e.op === "+" && isLastNew) ||
        (e.op === " " && (isLastOld || isLastNew))
      )
        out.push(NO_NEWLINE);
    }
  }
  return out;
}
