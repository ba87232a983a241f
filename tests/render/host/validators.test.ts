/**
 * Real validators over a render of both stacks: systemd-analyze verify on every unit (drop-ins
 * merged), shellcheck and bash -n on every script, systemd-analyze calendar on every schedule.
 */
import * as fs from "fs";
import * as path from "path";
import { allHostFiles, renderHost } from "../../../render/host";
import { hostRenderArgs } from "../../../render/host/from-config";
import type { RenderedFile } from "../../../render/types";
import { loadRenderConfig } from "../../../scripts/render";
import { requireTool, run } from "./tools";
import { buildVerifyRoot, calendarExpressions, unitsToVerify, verifyUnits } from "./verify-root";

const PROJECT = path.resolve(__dirname, "../../..");

function stackFiles(stack: string): RenderedFile[] {
  const cfg = loadRenderConfig(path.join(PROJECT, `Pulumi.${stack}.yaml`), stack);
  if (!cfg.host) throw new Error(`Pulumi.${stack}.yaml host areas invalid: ${JSON.stringify(cfg.issues)}`);
  return allHostFiles(renderHost(hostRenderArgs(cfg.host)));
}

function dialect(content: string): "bash" | "sh" {
  const first = content.split("\n", 1)[0]!;
  if (first === "#!/bin/bash") return "bash";
  if (first === "#!/bin/sh") return "sh";
  throw new Error(`unexpected shebang ${first}`);
}

beforeAll(() => {
  requireTool("systemd-analyze");
  requireTool("shellcheck");
  requireTool("bash");
});

const roots: string[] = [];
afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));

describe.each(["prod", "dev"])("render of stack %s", (stack) => {
  const files = stackFiles(stack);

  it("passes systemd-analyze verify for every unit and drop-in, with no warnings", () => {
    const units = unitsToVerify(files);
    expect(units.length).toBeGreaterThan(stack === "prod" ? 20 : 8);
    const root = buildVerifyRoot(files);
    roots.push(root);
    const r = verifyUnits(root, units);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
  });

  const scripts = files.filter((f) => f.kind === "script");
  it.each(scripts.map((f) => [f.path, f] as const))("script %s passes bash -n and shellcheck", (_p, f) => {
    expect(f.mode).toBe("0755");
    const syntax = run("bash", ["-n"], { input: f.content });
    expect({ status: syntax.status, stderr: syntax.stderr }).toEqual({ status: 0, stderr: "" });
    const sc = run("shellcheck", ["-s", dialect(f.content), "-"], { input: f.content });
    expect({ status: sc.status, stdout: sc.stdout }).toEqual({ status: 0, stdout: "" });
  });

  it("has only schedules systemd-analyze calendar accepts", () => {
    const exprs = calendarExpressions(files);
    expect(exprs.length).toBeGreaterThanOrEqual(stack === "prod" ? 9 : 6);
    for (const e of exprs) {
      const r = run("systemd-analyze", ["calendar", e]);
      expect({ expr: e, status: r.status, stderr: r.stderr }).toEqual({ expr: e, status: 0, stderr: "" });
    }
  });
});

describe("the validators catch breakage", () => {
  const files = stackFiles("prod");

  it("a misspelt timer key fails verify", () => {
    const broken = files.map((f) =>
      f.path.endsWith("/heartbeat-log.timer")
        ? { ...f, content: f.content.replace("OnCalendar=", "OnCalender=") }
        : f,
    );
    const root = buildVerifyRoot(broken);
    roots.push(root);
    const r = verifyUnits(root, ["heartbeat-log.timer"]);
    expect(r.stderr).toContain("Unknown key 'OnCalender' in section [Timer]");
    expect(r.status).not.toBe(0);
  });

  it("a drop-in pointing at a missing program fails verify", () => {
    const broken = files.filter((f) => f.path !== "/usr/local/sbin/kdump-savecore-and-sysrq-reboot");
    const root = buildVerifyRoot(broken);
    roots.push(root);
    const r = verifyUnits(root, ["kdump-tools-dump.service"]);
    expect(r.stderr).toContain("Command /usr/local/sbin/kdump-savecore-and-sysrq-reboot is not executable");
    expect(r.status).not.toBe(0);
  });

  it("a misspelt dependency fails verify", () => {
    const broken = files.map((f) =>
      f.path.endsWith("/hemma-db-backup.service")
        ? { ...f, content: f.content.replace(/snap\.docker\.dockerd/g, "snap.docker.dockrd") }
        : f,
    );
    const root = buildVerifyRoot(broken);
    roots.push(root);
    const r = verifyUnits(root, ["hemma-db-backup.service"]);
    expect(r.stderr).toContain("snap.docker.dockrd.service");
    expect(r.status).not.toBe(0);
  });

  it("shellcheck rejects an unquoted expansion and calendar rejects a bad schedule", () => {
    expect(run("shellcheck", ["-s", "bash", "-"], { input: "#!/bin/bash\nrm $1\n" }).status).not.toBe(0);
    expect(run("systemd-analyze", ["calendar", "every 5 minutes"]).status).not.toBe(0);
  });
});
