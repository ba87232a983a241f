/** The sandbox's app repository: deterministic commits of sandbox/skriptoteket-app plus overlays. */
import { execFileSync, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { withTimeout } from "../../components/actions/shell";
import { renderImageBuildScript } from "../../components/docker/image-build-script";
import {
  APP_DIR,
  COMMIT_A,
  COMMIT_B,
  STANDARD_COMMITS,
  buildAppRepo,
  tarAppRepo,
  type AppCommit,
} from "../../sandbox/app-repo";
import { fakeHost } from "../components/docker/fake-host";
import { tempDir } from "../scripts/script-harness";

const ROOT = path.resolve(__dirname, "../..");

let base: string;
let repo: string;
let shas: Record<string, string>;

beforeAll(() => {
  base = tempDir("hemma-app-repo-");
  fs.chmodSync(base, 0o755);
  repo = path.join(base, "skriptoteket.git");
  shas = buildAppRepo(repo);
});

afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["--git-dir", dir, ...args], {
    encoding: "utf8",
    env: { PATH: "/usr/bin:/bin", HOME: base },
  });

// Git's object hashing, written out here so the expected shas depend on the files alone, not on
// the git version that built the repository.
const sha1 = (type: string, body: Buffer) =>
  createHash("sha1")
    .update(Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]))
    .digest("hex");

type Files = Map<string, { content: Buffer; executable: boolean }>;

/** The app's files as git sees them in this checkout: tracked, or new and not ignored. */
function gitAppFiles(): Files {
  const listed = execFileSync(
    "git",
    [
      "-C",
      ROOT,
      "ls-files",
      "-z",
      "--cached",
      "--others",
      "--exclude-standard",
      "--",
      "sandbox/skriptoteket-app",
    ],
    { encoding: "utf8" },
  );
  const files: Files = new Map();
  for (const p of listed.split("\0").filter((l) => l !== "")) {
    const full = path.join(ROOT, p);
    files.set(path.relative(APP_DIR, full), {
      content: fs.readFileSync(full),
      executable: (fs.statSync(full).mode & 0o100) !== 0,
    });
  }
  return files;
}

function treeSha(files: Files): string {
  const children = new Map<string, Files | { content: Buffer; executable: boolean }>();
  for (const [p, f] of files) {
    const [head, ...rest] = p.split("/");
    if (rest.length === 0) children.set(head!, f);
    else {
      const sub = (children.get(head!) as Files | undefined) ?? new Map();
      sub.set(rest.join("/"), f);
      children.set(head!, sub);
    }
  }
  const entries = [...children].map(([name, c]) =>
    c instanceof Map
      ? { key: `${name}/`, bytes: [Buffer.from(`40000 ${name}\0`), Buffer.from(treeSha(c), "hex")] }
      : {
          key: name,
          bytes: [
            Buffer.from(`${c.executable ? "100755" : "100644"} ${name}\0`),
            Buffer.from(sha1("blob", c.content), "hex"),
          ],
        },
  );
  entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return sha1("tree", Buffer.concat(entries.flatMap((e) => e.bytes)));
}

function commitBody(tree: string, parent: string | null, epoch: number, message: string): string {
  const who = `Hemma Sandbox <sandbox@hemma.test> ${epoch} +0000`;
  return `tree ${tree}\n${parent ? `parent ${parent}\n` : ""}author ${who}\ncommitter ${who}\n\n${message}\n`;
}

describe("buildAppRepo", () => {
  it("makes commit A the commit the dev stack deploys (hemma:app.commit in Pulumi.dev.yaml)", () => {
    const dev = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"));
    const pinned = dev.config["hemma:app"].commit;
    if (pinned !== shas.A) {
      throw new Error(
        `sandbox/skriptoteket-app changed: commit A is now ${shas.A}, Pulumi.dev.yaml deploys ${pinned}. ` +
          `Set hemma:app.commit in Pulumi.dev.yaml to ${shas.A}.`,
      );
    }
  });

  it("derives every sha from the files, a fixed identity, date and message only", () => {
    const aFiles = gitAppFiles();
    const aTree = treeSha(aFiles);
    const aBody = commitBody(aTree, null, 1735689600, COMMIT_A.message);
    expect(git(repo, "cat-file", "commit", shas.A!)).toBe(aBody);
    expect(shas.A).toBe(sha1("commit", Buffer.from(aBody)));

    const bFiles: Files = new Map(aFiles);
    for (const [p, content] of Object.entries(COMMIT_B.overlay!)) {
      bFiles.set(p, { content: Buffer.from(content as string), executable: false });
    }
    const bBody = commitBody(treeSha(bFiles), shas.A!, 1735776000, COMMIT_B.message);
    expect(git(repo, "cat-file", "commit", shas.B!)).toBe(bBody);
    expect(shas.B).toBe(sha1("commit", Buffer.from(bBody)));
  });

  it("gives A the app tree with tools/pdm executable, and B only a new release name and migration 0002", () => {
    expect(git(repo, "ls-tree", shas.A!, "tools/pdm")).toMatch(/^100755 blob [0-9a-f]{40}\ttools\/pdm\n$/);
    // Exactly what git would commit: an ignored file (a tool's cache) would make the sha differ
    // on another machine.
    expect(git(repo, "ls-tree", "-r", "--name-only", shas.A!).trim().split("\n").sort()).toEqual(
      [...gitAppFiles().keys()].sort(),
    );
    expect(git(repo, "show", `${shas.A}:src/skriptoteket/release.txt`)).toBe("A\n");
    expect(git(repo, "diff-tree", "-r", "--name-status", shas.A!, shas.B!)).toBe(
      "A\tmigrations/0002_notes_author.sql\nM\tsrc/skriptoteket/release.txt\n",
    );
    expect(git(repo, "show", `${shas.B}:src/skriptoteket/release.txt`)).toBe("B\n");
    expect(git(repo, "symbolic-ref", "HEAD")).toBe("refs/heads/A\n");
    expect(git(repo, "for-each-ref", "--format=%(refname) %(objectname)")).toBe(
      `refs/heads/A ${shas.A}\nrefs/heads/B ${shas.B}\n`,
    );
  });

  it("applies overlays on top of the named parent: replace, add (optionally executable), delete", () => {
    const commits: AppCommit[] = [
      ...STANDARD_COMMITS,
      {
        name: "broken-build",
        parent: "A",
        message: "A Dockerfile that cannot build",
        overlay: { Dockerfile: "FROM hemma-dev/python-base:3.11-bookworm AS production\nRUN false\n" },
      },
      {
        name: "trimmed",
        parent: "B",
        message: "Without the README, with a hook",
        overlay: {
          "README.md": null,
          ".dockerignore": ".git\n",
          "tools/hook": { content: "#!/bin/sh\nexit 0\n", executable: true },
        },
      },
    ];
    const dir = path.join(base, "with-failures.git");
    const more = buildAppRepo(dir, commits);
    expect({ A: more.A, B: more.B }).toEqual({ A: shas.A, B: shas.B });
    expect(git(dir, "rev-parse", `${more["broken-build"]}^`)).toBe(`${shas.A}\n`);
    expect(git(dir, "diff-tree", "-r", "--name-status", shas.A!, more["broken-build"]!)).toBe(
      "M\tDockerfile\n",
    );
    expect(git(dir, "show", `${more["broken-build"]}:Dockerfile`)).toContain("RUN false\n");
    expect(git(dir, "diff-tree", "-r", "--name-status", shas.B!, more.trimmed!)).toBe(
      "M\t.dockerignore\nD\tREADME.md\nA\ttools/hook\n",
    );
    expect(git(dir, "ls-tree", more.trimmed!, "tools/hook")).toMatch(/^100755 /);
  });

  it.each<[string, AppCommit[], string]>([
    [
      "an unknown parent",
      [{ name: "X", parent: "A", message: "m" }],
      "commit X: parent A is not an earlier commit of the list",
    ],
    ["a name used twice", [COMMIT_A, COMMIT_A], "commit name A is used twice"],
    [
      "a name that is no simple branch",
      [{ name: "a b", message: "m" }],
      'commit name "a b" is not a simple branch name',
    ],
    [
      "deleting a missing file",
      [{ name: "X", message: "m", overlay: { "nope.txt": null } }],
      "commit X: cannot delete nope.txt, the parent has no such file",
    ],
    [
      "a path leaving the tree",
      [{ name: "X", message: "m", overlay: { "../x": "" } }],
      'commit X: overlay path "../x" is not a plain relative path',
    ],
    [
      "a path into .git",
      [{ name: "X", message: "m", overlay: { "src/.git/config": "" } }],
      'commit X: overlay path "src/.git/config" is not a plain relative path',
    ],
    [
      "an absolute path",
      [{ name: "X", message: "m", overlay: { "/etc/passwd": "" } }],
      'commit X: overlay path "/etc/passwd" is not a plain relative path',
    ],
    [
      "a file under a file",
      [{ name: "X", message: "m", overlay: { "Dockerfile/x": "" } }],
      "commit X: Dockerfile/x would sit under the file Dockerfile",
    ],
    [
      "a file over a directory",
      [{ name: "X", message: "m", overlay: { src: "" } }],
      "commit X: src is a directory in the parent",
    ],
    [
      "a date with a zone",
      [{ name: "X", message: "m", date: "2025-01-01T00:00:00+01:00" }],
      "is not YYYY-MM-DDTHH:MM:SSZ",
    ],
  ])("refuses %s before writing anything", (_name, commits, message) => {
    const dir = path.join(base, "refused.git");
    expect(() => buildAppRepo(dir, commits)).toThrow(message);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it("refuses a target directory that is not empty", () => {
    expect(() => buildAppRepo(repo)).toThrow(`buildAppRepo: ${repo} exists and is not empty`);
  });
});

describe("the deploy's image build on this repository", () => {
  // The fake docker checks that the Dockerfile named by -f has the stage named by --target and
  // records the release it would build.
  const DOCKER = `
case "$1" in
  image) exit 1 ;;
  build)
    grep -Eq "^FROM [^ ]+ AS $3\\$" "$5" || { echo "no stage $3 in $5" >&2; exit 3; }
    echo "$3 $(cat src/skriptoteket/release.txt)" >>"$STATE/built" ;;
  *) exit 64 ;;
esac`;

  it("fetches A and B by sha into worktrees and finds the production and runner stages", () => {
    const host = fakeHost(DOCKER);
    try {
      const build = (commit: string, dockerfile: string, target: string, repository: string) =>
        host.run(
          withTimeout(
            120,
            renderImageBuildScript({
              dockerBinary: host.docker,
              repoUrl: repo,
              commit,
              buildDir: path.join(host.dir, "build"),
              dockerfile,
              target,
              repository,
            }),
          ),
        );
      for (const sha of [shas.A!, shas.B!]) {
        for (const [file, target, repository] of [
          ["Dockerfile", "production", "hemma-dev/skriptoteket-web"],
          ["Dockerfile.runner", "runner", "hemma-dev/skriptoteket-runner"],
        ] as const) {
          const r = build(sha, file, target, repository);
          expect(r.stderr).toBe("");
          expect(r.status).toBe(0);
        }
      }
      expect(fs.readFileSync(path.join(host.dir, "state", "built"), "utf8")).toBe(
        "production A\nrunner A\nproduction B\nrunner B\n",
      );
    } finally {
      host.cleanup();
    }
  });
});

describe("tarAppRepo", () => {
  it("archives the repository as skriptoteket.git/, owned by the given ids, which that user can fetch from", () => {
    const tar = path.join(base, "repo.tar");
    tarAppRepo(repo, tar, { uid: 65534, gid: 65534 });
    const listing = execFileSync("tar", ["-tvf", tar, "--numeric-owner"], { encoding: "utf8" })
      .trim()
      .split("\n");
    expect(listing[0]).toMatch(/^d\S+ 65534\/65534 .* skriptoteket\.git\/$/);
    expect(listing.every((l) => / 65534\/65534 .* skriptoteket\.git\//.test(l))).toBe(true);

    const srv = path.join(base, "srv-git");
    fs.mkdirSync(srv, { mode: 0o755 });
    execFileSync("tar", ["-xf", tar, "-C", srv]);
    const work = path.join(base, "nobody-cache.git");
    fs.mkdirSync(work);
    fs.chownSync(work, 65534, 65534);
    // As the image build does it, as the repository's owner: git refuses another user's repository.
    const fetch = spawnSync(
      "runuser",
      [
        "-u",
        "nobody",
        "--",
        "sh",
        "-c",
        `git init --quiet --bare "$1" && git -C "$1" fetch --quiet "$2" "$3" && git -C "$1" cat-file -t "$3"`,
        "sh",
        work,
        path.join(srv, "skriptoteket.git"),
        shas.B!,
      ],
      {
        encoding: "utf8",
        env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HOME: work, GIT_CONFIG_NOSYSTEM: "1" },
      },
    );
    expect(fetch.stderr).toBe("");
    expect(fetch.stdout).toBe("commit\n");
  });
});
