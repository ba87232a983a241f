import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * A throw-away stand-in for the Docker host: a temp dir with a fake `sudo` (drops `-n`, runs the
 * rest) and a fake docker CLI that logs each call and its working directory, so the rendered
 * action scripts run for real under bash with no Docker and no network.
 */
export interface FakeHost {
  /** Temp root. */
  readonly dir: string;
  /** Path of the fake docker binary. */
  readonly docker: string;
  /** Runs a command string the way sshd would (`bash -c`), with stdin; returns status and output. */
  run(commandLine: string, stdin?: string): { status: number; stdout: string; stderr: string };
  /** Logged docker calls, one per line: `<cwd>\t<args...>`. */
  calls(): string[];
  /** Removes the temp dir. */
  cleanup(): void;
}

/**
 * @param dockerBody bash body of the fake docker; `$LOG` is the call log, `$STATE` a state dir.
 */
export function fakeHost(dockerBody: string): FakeHost {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-fake-host-"));
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  fs.mkdirSync(path.join(dir, "state"));
  fs.writeFileSync(
    path.join(bin, "sudo"),
    '#!/bin/bash\n[ "$1" = "-n" ] || { echo "sudo without -n" >&2; exit 97; }\nshift\nexec "$@"\n',
    {
      mode: 0o755,
    },
  );
  const docker = path.join(bin, "docker");
  fs.writeFileSync(
    docker,
    `#!/bin/bash\nLOG=${JSON.stringify(path.join(dir, "calls.log"))}\nSTATE=${JSON.stringify(path.join(dir, "state"))}\nprintf '%s\\t%s\\n' "$PWD" "$*" >>"$LOG"\n${dockerBody}\n`,
    { mode: 0o755 },
  );
  return {
    dir,
    docker,
    run(commandLine, stdin) {
      const r = spawnSync("bash", ["-c", commandLine], {
        input: stdin ?? "",
        cwd: dir,
        encoding: "utf8",
        env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir, GIT_CONFIG_NOSYSTEM: "1", LANG: "C" },
        timeout: 60000,
      });
      return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    calls() {
      const f = path.join(dir, "calls.log");
      return fs.existsSync(f)
        ? fs
            .readFileSync(f, "utf8")
            .split("\n")
            .filter((l) => l !== "")
        : [];
    },
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a git repository with two commits under `dir`; returns its path and both shas. */
export function gitRepo(dir: string): { path: string; first: string; second: string } {
  const repo = path.join(dir, "origin");
  fs.mkdirSync(repo);
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: repo,
      encoding: "utf8",
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@e.x",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@e.x",
      },
    }).trim();
  git("init", "--quiet", "-b", "main");
  fs.writeFileSync(path.join(repo, "Dockerfile"), "FROM scratch\n");
  git("add", ".");
  git("commit", "--quiet", "-m", "one");
  const first = git("rev-parse", "HEAD");
  fs.writeFileSync(path.join(repo, "Dockerfile.runner"), "FROM scratch\n");
  git("add", ".");
  git("commit", "--quiet", "-m", "two");
  const second = git("rev-parse", "HEAD");
  return { path: repo, first, second };
}
