import * as fs from "fs";
import * as YAML from "yaml";
import type { ConfigEntry, EntryOrigin } from "./check";
import { describeValue, type Issue } from "./issue";
import { mergeValues } from "./overrides";

/** Top-level keys Pulumi itself writes into a stack file. */
const STACK_FILE_KEYS = ["config", "encryptionsalt", "secretsprovider", "encryptedkey", "environment"];

/** What reading one stack (or overrides) file produced. */
export interface StackFileRead {
  /** The config entries, when the file could be read and parsed. */
  readonly entries?: ConfigEntry[];
  /** Problems with the file itself (missing, unreadable, invalid YAML, wrong layout). */
  readonly issues: Issue[];
}

/**
 * Reads a Pulumi stack file (`config:` mapping of fully qualified keys; secrets as
 * `{ secure: <ciphertext> }`) into config entries. Never throws: every problem is an issue named
 * by `label` (the path as the user gave it).
 */
export function readStackFile(filePath: string, label: string, origin: EntryOrigin): StackFileRead {
  let text: string;
  try {
    text = fs.readFileSync(filePath, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      issues: [
        {
          path: label,
          received:
            code === "ENOENT" ? "no such file" : `a file that cannot be read (${code ?? String(err)})`,
          expected:
            "a readable Pulumi stack file (Pulumi.<stack>.yaml in the project directory, or pass --file <path>)",
        },
      ],
    };
  }
  return parseStackText(text, label, origin);
}

/** Parses the text of a stack file; see {@link readStackFile}. */
export function parseStackText(text: string, label: string, origin: EntryOrigin): StackFileRead {
  const lineCounter = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    return {
      issues: doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        const where = pos ? `line ${pos.line}, column ${pos.col}` : "an unknown position";
        return {
          path: label,
          received: `invalid YAML at ${where} (${e.message.split("\n")[0]})`,
          expected: "a valid YAML document",
        };
      }),
    };
  }
  const root: unknown = doc.toJS();
  if (root === null || root === undefined) {
    return {
      issues: [{ path: label, received: "an empty file", expected: "a mapping with a config: section" }],
    };
  }
  if (!isMapping(root)) {
    return {
      issues: [
        { path: label, received: describeValue(root, false), expected: "a mapping with a config: section" },
      ],
    };
  }
  const issues: Issue[] = [];
  const allowed = origin === "stack" ? STACK_FILE_KEYS : ["config"];
  for (const key of Object.keys(root)) {
    if (!allowed.includes(key)) {
      issues.push({
        path: `${label}: ${key}`,
        received: describeValue(root[key], false),
        expected: `only the top-level keys ${allowed.join(", ")}`,
      });
    }
  }
  const config = root.config;
  if (config === undefined || config === null) return { entries: [], issues };
  if (!isMapping(config)) {
    issues.push({
      path: `${label}: config`,
      received: describeValue(config, false),
      expected: "a mapping of config keys",
    });
    return { entries: [], issues };
  }
  const entries = Object.entries(config).map(([key, value]): ConfigEntry => {
    const secure = isMapping(value) && Object.keys(value).length === 1 && typeof value.secure === "string";
    return { key, value: secure ? undefined : value, secure, origin };
  });
  return { entries, issues };
}

/**
 * Entries of `base` with `over` applied: structured values merge key by key, any other value
 * (and anything secret) is replaced by the override.
 */
export function mergeEntries(base: readonly ConfigEntry[], over: readonly ConfigEntry[]): ConfigEntry[] {
  const out = new Map(base.map((e) => [e.key, e]));
  for (const entry of over) {
    const prior = out.get(entry.key);
    const bothPlainMappings =
      prior && !prior.secure && !entry.secure && isMapping(prior.value) && isMapping(entry.value);
    out.set(
      entry.key,
      bothPlainMappings ? { ...entry, value: mergeValues(prior.value, entry.value) } : entry,
    );
  }
  return [...out.values()];
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
