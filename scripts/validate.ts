/**
 * `npm run validate -- <stack> [--file <path>]`: checks a stack's config without the Pulumi
 * engine and prints every problem in one run.
 */
import * as path from "path";
import { formatIssue } from "../config/issue";
import { validateStackFile, type StackValidation } from "../config/load";

const USAGE = `usage: npm run validate -- <stack> [--file <path>]

Checks Pulumi.<stack>.yaml (in the current directory, or the file given with --file) against the
hemma: config schema and the list of secrets, without the Pulumi engine. Every problem is printed
as "<key path>: got <received>; expected <expected>".

exit codes:
  0  the config is valid (warnings and values pending from an overrides file may be printed)
  1  the config is invalid
  2  usage error`;

/** Parsed command line. */
export interface ValidateArgs {
  /** Stack name. */
  readonly stack: string;
  /** Stack file to read. */
  readonly file: string;
}

/** Parses argv (without node and script); returns a usage message instead when it is wrong. */
export function parseArgs(argv: readonly string[]): ValidateArgs | { usage: string; help: boolean } {
  let stack: string | undefined;
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return { usage: USAGE, help: true };
    if (arg === "--file") {
      file = argv[++i];
      if (file === undefined) return { usage: `--file needs a path\n\n${USAGE}`, help: false };
    } else if (arg.startsWith("--file=")) file = arg.slice("--file=".length);
    else if (arg.startsWith("-")) return { usage: `unknown option ${arg}\n\n${USAGE}`, help: false };
    else if (stack === undefined) stack = arg;
    else return { usage: `unexpected argument ${arg}\n\n${USAGE}`, help: false };
  }
  if (stack === undefined) return { usage: `missing <stack>\n\n${USAGE}`, help: false };
  if (!/^[A-Za-z0-9_.-]+$/.test(stack))
    return { usage: `not a stack name: ${stack}\n\n${USAGE}`, help: false };
  return { stack, file: file ?? `Pulumi.${stack}.yaml` };
}

/** Renders a validation result as the lines validate prints, ending with the summary line. */
export function report(file: string, stack: string, result: StackValidation): string[] {
  const lines: string[] = [];
  if (result.overridesFile)
    lines.push(`merged ${path.relative(process.cwd(), result.overridesFile) || result.overridesFile}`);
  if (result.issues.length > 0) lines.push("problems:", ...result.issues.map(formatIssue));
  if (result.pending.length > 0)
    lines.push("pending (supplied later by an overrides file):", ...result.pending.map(formatIssue));
  if (result.warnings.length > 0) lines.push("warnings:", ...result.warnings.map(formatIssue));
  const n = result.issues.length;
  const extras = [
    result.pending.length > 0 ? `${result.pending.length} pending` : "",
    result.warnings.length > 0
      ? `${result.warnings.length} warning${result.warnings.length === 1 ? "" : "s"}`
      : "",
  ].filter(Boolean);
  const tail = extras.length > 0 ? ` (${extras.join(", ")})` : "";
  lines.push(
    result.ok
      ? `${file}: stack '${stack}' is valid${tail}`
      : `${file}: stack '${stack}' is invalid: ${n} problem${n === 1 ? "" : "s"}${tail}`,
  );
  return lines;
}

/** Runs validate; returns the exit code. */
export function main(argv: readonly string[]): number {
  const args = parseArgs(argv);
  if ("usage" in args) {
    (args.help ? console.log : console.error)(args.usage);
    return args.help ? 0 : 2;
  }
  const result = validateStackFile(args.file, args.stack);
  const lines = report(args.file, args.stack, result);
  (result.ok ? console.log : console.error)(lines.join("\n"));
  return result.ok ? 0 : 1;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    // A bug, not a user error: still one line, no stack trace.
    console.error(`validate: internal error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
