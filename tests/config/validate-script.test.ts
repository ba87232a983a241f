/** `scripts/validate.ts` run for real, as `npm run validate` runs it: output lines and exit codes. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { main } from "../../scripts/validate";
import { tsScriptArgs } from "../../scripts/ts-script";
import { ROOT, completeProd, writeStackFile } from "./fixtures";

/** Runs the CLI in a fresh process, loaded as `npm run validate` loads it (runtime/ts-loader.js). */
function runValidate(args: string[], cwd = ROOT): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, tsScriptArgs(path.join(ROOT, "scripts/validate.ts"), args), {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NODE_PATH: path.join(ROOT, "node_modules") },
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Runs `main` in this process (fast), capturing what it prints. */
function runInProcess(args: string[], cwd = ROOT): { status: number; stdout: string; stderr: string } {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  const error = jest
    .spyOn(console, "error")
    .mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
  const before = process.cwd();
  try {
    process.chdir(cwd);
    const status = main(args);
    return { status, stdout: out.map((l) => `${l}\n`).join(""), stderr: err.map((l) => `${l}\n`).join("") };
  } finally {
    process.chdir(before);
    log.mockRestore();
    error.mockRestore();
  }
}

/** No stack frames, no raw Error dumps: only our own lines. */
function expectNoStackTrace(output: string): void {
  expect(output).not.toMatch(/^\s+at /m);
  expect(output).not.toContain("Error:");
}

describe("npm run validate (real process)", () => {
  it("reports all three problems of a corrupted prod copy in one run and exits 1", () => {
    const doc = completeProd();
    doc.config["hemma:ssh"].port = 70000;
    doc.config["hemma:proxy"].defaultHostt = "skriptoteket.hule.education";
    doc.config["hemma:ssh"].host = "hemma tail730aa2.ts.net";
    const file = writeStackFile(doc);
    const res = runValidate(["prod", "--file", file]);
    expect(res.status).toBe(1);
    expect(res.stdout).toBe("");
    const lines = res.stderr.trimEnd().split("\n");
    expect(lines.slice(0, 4)).toEqual([
      "problems:",
      '  hemma:ssh.host: got "hemma tail730aa2.ts.net"; expected a hostname (lower-case RFC 1123 labels) or an IPv4/IPv6 address',
      "  hemma:ssh.port: got 70000; expected a port number 1-65535",
      expect.stringMatching(
        /^ {2}hemma:proxy\.defaultHostt: got a string \(27 characters\); expected no key named 'defaultHostt' here \(did you mean 'defaultHost'\?\); known keys: /,
      ),
    ]);
    expect(lines[lines.length - 1]).toBe(`${file}: stack 'prod' is invalid: 3 problems (9 warnings)`);
    expectNoStackTrace(res.stderr);
  });

  it("exits 0 on a valid file and prints the summary", () => {
    const file = writeStackFile(completeProd());
    const res = runValidate(["prod", `--file=${file}`]);
    expect(res.status).toBe(0);
    expect(res.stderr).toBe("");
    expect(res.stdout.trimEnd().split("\n").pop()).toBe(`${file}: stack 'prod' is valid (9 warnings)`);
  });

  it("exits 2 on a usage error", () => {
    const res = runValidate([]);
    expect(res.status).toBe(2);
    expect(res.stderr.split("\n")[0]).toBe("missing <stack>");
  });
});

describe("validate main()", () => {
  it("reads Pulumi.<stack>.yaml from the working directory", () => {
    const file = writeStackFile(completeProd(), "prod");
    const res = runInProcess(["prod"], path.dirname(file));
    expect(res.status).toBe(0);
    expect(res.stdout.trimEnd().split("\n").pop()).toBe(
      "Pulumi.prod.yaml: stack 'prod' is valid (9 warnings)",
    );
  });

  it("exits 1 with one line for a missing file", () => {
    const dir = path.dirname(writeStackFile("", "unused"));
    const res = runInProcess(["staging"], dir);
    expect(res.status).toBe(1);
    expect(res.stderr.trimEnd().split("\n")).toEqual([
      "problems:",
      "  Pulumi.staging.yaml: got no such file; expected a readable Pulumi stack file (Pulumi.<stack>.yaml in the project directory, or pass --file <path>)",
      "Pulumi.staging.yaml: stack 'staging' is invalid: 1 problem",
    ]);
  });

  it("exits 1 on invalid YAML without a stack trace", () => {
    const file = writeStackFile("config:\n  hemma:ssh: {\n");
    const res = runInProcess(["prod", "--file", file]);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(`  ${file}: got invalid YAML at line 3, column 1 (`);
    expectNoStackTrace(res.stderr);
  });

  it.each([
    [[], "missing <stack>"],
    [["prod", "dev"], "unexpected argument dev"],
    [["prod", "--verbose"], "unknown option --verbose"],
    [["prod", "--file"], "--file needs a path"],
    [["../etc"], "not a stack name: ../etc"],
  ])("exits 2 on usage error %j", (args, message) => {
    const res = runInProcess(args);
    expect(res.status).toBe(2);
    expect(res.stderr.split("\n")[0]).toBe(message);
    expect(res.stderr).toContain("usage: npm run validate -- <stack> [--file <path>]");
  });

  it("prints usage and exit codes on --help and exits 0", () => {
    const res = runInProcess(["--help"]);
    expect(res.status).toBe(0);
    expect(res.stdout).toContain("  2  usage error");
  });

  it("validates the committed dev stack as cloned (exit 0)", () => {
    // Copy so a developer's own .sandbox/dev-overrides.yaml does not take part.
    const file = writeStackFile(
      YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")),
      "dev",
    );
    const res = runInProcess(["dev"], path.dirname(file));
    expect(res.status).toBe(0);
    expect(res.stdout).toContain(
      "pending (supplied later by an overrides file):\n  hemma:ssh.hostKey: got nothing (key is missing);",
    );
    // Dev deploys a real commit of the sandbox's app repository, so no padded-sha warning.
    expect(res.stdout).not.toContain("hemma:app.commit");
    expect(res.stdout.trimEnd().split("\n").pop()).toBe(
      "Pulumi.dev.yaml: stack 'dev' is valid (5 pending, 4 warnings)",
    );
  });
});
