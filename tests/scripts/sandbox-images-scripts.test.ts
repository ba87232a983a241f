/** The stand-in images' shell scripts pass `bash -n` and shellcheck (they run only inside images, so nothing else would catch a slip before a build). */
import * as fs from "node:fs";
import * as path from "node:path";
import { requireTool, run } from "../render/host/tools";

const IMAGES = path.resolve(__dirname, "..", "..", "sandbox", "images");

function shellScripts(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...shellScripts(full));
    else if (
      /^#!(\/usr\/bin\/env |\/bin\/)(ba)?sh\b/.test(fs.readFileSync(full, "utf8").split("\n")[0] ?? "")
    )
      out.push(full);
  }
  return out.sort();
}

const scripts = shellScripts(IMAGES);

beforeAll(() => requireTool("shellcheck"));

it("finds the entrypoints and service scripts", () => {
  expect(scripts.map((s) => path.relative(IMAGES, s))).toEqual([
    "acme-companion/rootfs/app/entrypoint.sh",
    "acme-companion/rootfs/app/functions.sh",
    "acme-companion/rootfs/app/letsencrypt_service",
    "acme-companion/rootfs/app/signal_le_service",
    "acme-companion/rootfs/app/start.sh",
    "debian/build-rootfs.sh",
    "postgres/docker-entrypoint.sh",
  ]);
});

it.each(scripts.map((s) => [path.relative(IMAGES, s), s] as const))(
  "%s passes bash -n and shellcheck",
  (_rel, file) => {
    const syntax = run("bash", ["-n", file]);
    expect(syntax.stderr).toBe("");
    // -x with the script's directory: the acme scripts source functions.sh beside them.
    const sc = run("shellcheck", ["-x", "-P", path.dirname(file), file], { cwd: path.dirname(file) });
    expect(sc.stdout).toBe("");
    expect(sc.status).toBe(0);
  },
);
