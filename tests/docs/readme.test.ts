import * as fs from "node:fs";
import * as path from "node:path";
import { SECRETS } from "../../config/secrets";

const ROOT = path.resolve(__dirname, "..", "..");
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const ciRun = fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
const scripts: Record<string, string> = JSON.parse(
  fs.readFileSync(path.join(ROOT, "package.json"), "utf8"),
).scripts;

/** The fenced block under "On a fresh machine": the README's promise to a new user. */
function freshMachineCommands(): string[] {
  const section = readme.split("## On a fresh machine")[1] ?? "";
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  return block.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#"));
}

describe("README", () => {
  it("starts with the two fresh-machine commands: converge dev on the sandbox, then the tests", () => {
    expect(freshMachineCommands()).toEqual([
      "npm ci && npm run sandbox -- up && npm run up -- dev",
      "npm ci && npm run test:setup && npm test",
    ]);
  });

  it("names only npm scripts that exist", () => {
    const used = [...readme.matchAll(/npm run (?:--silent )?([a-z0-9:-]+)/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(5);
    for (const name of used) expect(Object.keys(scripts)).toContain(name);
  });

  it("is what CI runs: .ci/run calls the README's test command", () => {
    expect(ciRun).toMatch(/^npm ci\b/m);
    expect(ciRun).toMatch(/^npm run --silent test:setup$/m);
    expect(ciRun).toMatch(/^npm test$/m);
    expect(ciRun).toMatch(/^npm run test:e2e$/m);
  });

  it("lists every secret the program reads", () => {
    for (const secret of SECRETS) expect(readme).toContain(`hemma:${secret.key}`);
  });

  it("lists every value prod's stack file says the operator must set", () => {
    const prod = fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8");
    const header = prod.split("\nconfig:")[0]!;
    const keys = [...header.matchAll(/^#\s+(hemma:[A-Za-z.]+)\s/gm)].map((m) => m[1]!);
    expect(keys).toEqual(expect.arrayContaining(["hemma:ssh.hostKey", "hemma:letsencrypt.email"]));
    for (const key of keys) expect(readme).toContain(`\`${key}\``);
  });
});
