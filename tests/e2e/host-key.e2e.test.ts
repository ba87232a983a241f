/**
 * A wrong pinned host key must stop the run at the SSH handshake, fast, naming the host, and
 * write nothing.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { HostFile } from "../../providers/host-file";
import { ensureSandbox, onHostOk, privateKey } from "./support/sandbox";
import { failureOf, testStack } from "./support/stack";

/** A valid ed25519 public key line that is not the sandbox's. */
function otherHostKey(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-wrong-key-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "k")]);
  const [type, blob] = fs.readFileSync(path.join(dir, "k.pub"), "utf8").trim().split(" ");
  fs.rmSync(dir, { recursive: true, force: true });
  return `${type} ${blob}`;
}

test("4. a wrong pinned host key fails fast with a message naming the host, and writes nothing", async () => {
  const info = ensureSandbox();
  const wrong = otherHostKey();
  expect(wrong).not.toBe(info.hostKey);
  const target = `/etc/hemma-e2e-hostkey-${randomBytes(4).toString("hex")}.conf`;
  const connection = {
    host: info.host,
    port: info.port,
    user: info.user,
    hostKey: wrong,
    privateKey: privateKey(info),
  };
  const t = await testStack("e2e-hostkey", async () => {
    new HostFile("f", { connection, path: target, content: "x\n" });
  });
  try {
    const started = Date.now();
    const message = await failureOf(t.stack.up({ onOutput: t.onOutput }));
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`wrong host key: up failed after ${seconds.toFixed(1)} s\n`);
    expect(message).toContain(`host key mismatch for ${info.host}:${info.port}`);
    // Engine start-up and plugin load take a few seconds on their own; a handshake that waited
    // for its 10 s connect timeout, or retried, would exceed this.
    expect(seconds).toBeLessThan(10);
    expect(onHostOk(info, `test -e ${target} && echo present || echo absent`)).toBe("absent");
  } finally {
    t.dispose();
  }
});
