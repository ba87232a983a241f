/**
 * Puts the Skriptoteket stand-in's repository into a sandbox, where the dev stack's
 * `hemma:app.repoUrl` points (docs/decisions/0092). Used by `npm run sandbox -- up` with the
 * standard commits, and by e2e tests that add commits of their own (a failing build, ...).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildAppRepo, STANDARD_COMMITS, tarAppRepo, type AppCommit } from "../sandbox/app-repo";

/** The repository's path inside the sandbox. */
export const APP_REPO_DIR = "/srv/git/skriptoteket.git";

function dockerExec(container: string, args: string[], input?: Buffer): { status: number; stdout: string } {
  const r = spawnSync("docker", ["exec", ...(input ? ["-i"] : []), container, ...args], {
    input,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout };
}

/**
 * Makes {@link APP_REPO_DIR} in `container` hold `commits` (default: the standard ones), owned by
 * `user` (git refuses to fetch from a repository another user owns). A repository that already
 * holds every one of them is left as it is, so commits pushed there by others stay. Returns the
 * sha of each commit by name, and whether it (re)installed the repository.
 */
export function installAppRepository(
  container: string,
  user: string,
  commits: readonly AppCommit[] = STANDARD_COMMITS,
): { shas: Record<string, string>; installed: boolean } {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-app-repo-"));
  try {
    const shas = buildAppRepo(path.join(work, "repo.git"), commits);
    const check = Object.values(shas)
      .map((sha) => `git -C ${APP_REPO_DIR} cat-file -e ${sha}^{commit}`)
      .join(" && ");
    if (dockerExec(container, ["sh", "-c", check]).status === 0) return { shas, installed: false };
    const id = (flag: string): number => {
      const r = dockerExec(container, ["id", flag, user]);
      if (r.status !== 0) throw new Error(`no user ${user} in ${container}`);
      return Number(r.stdout.trim());
    };
    const tar = path.join(work, "repo.tar");
    tarAppRepo(path.join(work, "repo.git"), tar, { uid: id("-u"), gid: id("-g") });
    const r = dockerExec(
      container,
      ["sh", "-c", `set -e; install -d -m 0755 /srv/git; rm -rf ${APP_REPO_DIR}; tar -x -C /srv/git`],
      fs.readFileSync(tar),
    );
    if (r.status !== 0) throw new Error(`installing the app repository in ${container} failed`);
    return { shas, installed: true };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
