/** The resource plugins a Pulumi CLI has installed, read with `pulumi plugin ls --json`. */
import { execFileSync } from "node:child_process";
import type { InstalledPlugin } from "./layer-plan";

/** Parses `pulumi plugin ls --json` output (an array, or `null` when nothing is installed). */
export function parsePluginList(json: string): InstalledPlugin[] {
  const list = JSON.parse(json) as Array<{ name: string; kind: string; version?: string }> | null;
  return (list ?? []).map((p) => ({
    name: p.name,
    kind: p.kind,
    ...(p.version ? { version: p.version } : {}),
  }));
}

/** The plugins `cli` has installed (no stack or backend needed). */
export function listInstalledPlugins(cli: string): InstalledPlugin[] {
  return parsePluginList(
    execFileSync(cli, ["plugin", "ls", "--json"], {
      encoding: "utf8",
      env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
    }),
  );
}
