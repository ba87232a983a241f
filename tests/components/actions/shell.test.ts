import { spawnSync } from "node:child_process";
import { shellQuote, withTimeout } from "../../../components/actions/shell";

function bash(
  cmd: string,
  input = "",
): { status: number | null; stdout: string; signal: NodeJS.Signals | null } {
  const r = spawnSync("bash", ["-c", cmd], { input, encoding: "utf8", timeout: 20000 });
  return { status: r.status, stdout: r.stdout, signal: r.signal };
}

test.each([["plain"], ["it's"], ["a b"], ['$HOME `x` "q" \\'], [""], ["'"]])(
  "shellQuote round-trips %j",
  (word) => {
    expect(bash(`printf %s ${shellQuote(word)}`).stdout).toBe(word);
  },
);

test("withTimeout renders the exact wrapper", () => {
  expect(withTimeout(30, "echo hi")).toBe("timeout --kill-after=10 30 bash -c 'set -euo pipefail\necho hi'");
});

test("withTimeout passes stdin through and keeps the exit code", () => {
  expect(bash(withTimeout(5, "cat; exit 4"), "in").stdout).toBe("in");
  expect(bash(withTimeout(5, "exit 4")).status).toBe(4);
});

test("withTimeout kills a hung step with status 124", () => {
  expect(bash(withTimeout(1, "sleep 30")).status).toBe(124);
});

test("withTimeout makes an unset variable and a failing pipe fatal", () => {
  expect(bash(withTimeout(5, 'echo "$nope"; echo after')).status).not.toBe(0);
  expect(bash(withTimeout(5, "false | cat; echo after")).stdout).toBe("");
});

test.each([[0], [-1], [1.5]])("withTimeout refuses %p seconds", (s) => {
  expect(() => withTimeout(s, "true")).toThrow("seconds must be a whole number > 0");
});

test("withTimeout survives a POSIX login shell (sshd runs `$SHELL -c <command>`)", () => {
  const r = spawnSync("dash", ["-c", withTimeout(5, `printf '%s' "it's $((1+1))"; cat`)], {
    input: "!",
    encoding: "utf8",
  });
  expect([r.status, r.stdout]).toEqual([0, "it's 2!"]);
});
