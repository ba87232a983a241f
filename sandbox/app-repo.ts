import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The stand-in app's tree as committed in hemma-infra: the content of every root commit. */
export const APP_DIR = path.join(__dirname, "skriptoteket-app");

/** Author and committer of every commit: fixed, so the shas never depend on who builds. */
export const APP_COMMIT_IDENTITY = { name: "Hemma Sandbox", email: "sandbox@hemma.test" } as const;

/** Default author and committer date of a commit (ISO 8601, UTC). */
export const APP_COMMIT_DATE = "2025-01-01T00:00:00Z";

/** One overlay entry: new content (text is UTF-8), optionally executable, or `null` to delete the file. */
export type OverlayEntry =
  string | Buffer | { readonly content: string | Buffer; readonly executable: boolean } | null;

/** One commit of the app repository. */
export interface AppCommit {
  /** Branch (`refs/heads/<name>`) the commit is the tip of, and its key in the returned shas. */
  readonly name: string;
  /** Name of an earlier commit in the same list. Default: none, a root commit on {@link APP_DIR}. */
  readonly parent?: string;
  /** Commit message (one trailing newline is added when missing). */
  readonly message: string;
  /** Files added or replaced (content) and deleted (`null`), by path in the repository. Default none. */
  readonly overlay?: Readonly<Record<string, OverlayEntry>>;
  /** Author and committer date, ISO 8601 in UTC (`Z`), whole seconds. Default {@link APP_COMMIT_DATE}. */
  readonly date?: string;
}

/** Overlay that names the release shown on `/` and recorded by the worker. */
export function releaseOverlay(release: string): Record<string, OverlayEntry> {
  return { "src/skriptoteket/release.txt": `${release}\n` };
}

/** Release A: the stand-in app exactly as it is in `sandbox/skriptoteket-app/`. */
export const COMMIT_A: AppCommit = {
  name: "A",
  message:
    "Release A: web app, execution worker and cleanup CLI on the notes, queue, login-event and snapshot tables",
};

/**
 * Release B: a new release name and a backward-compatible migration (a nullable column), so release
 * A keeps working on B's schema while both run during a deploy, and after a rollback to A.
 */
export const COMMIT_B: AppCommit = {
  name: "B",
  parent: "A",
  date: "2025-01-02T00:00:00Z",
  message: "Release B: notes.author, nullable so release A keeps working on this schema",
  overlay: {
    ...releaseOverlay("B"),
    "migrations/0002_notes_author.sql":
      "-- Nullable and without a default: release A's inserts, which do not name it, keep working.\n" +
      "ALTER TABLE notes ADD COLUMN author text;\n",
  },
};

/** The commits every sandbox repository has: A, then B on top of it. */
export const STANDARD_COMMITS: readonly AppCommit[] = [COMMIT_A, COMMIT_B];

interface TreeFile {
  readonly content: Buffer;
  readonly executable: boolean;
}
type Tree = Map<string, TreeFile>;

const BRANCH = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const REPO_PATH = /^[A-Za-z0-9._+-]+(\/[A-Za-z0-9._+-]+)*$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** Caches Python tools leave next to the code; never part of a commit. */
const TOOL_CACHES = new Set(["__pycache__", ".ruff_cache", ".mypy_cache", ".pytest_cache"]);

/** Reads {@link APP_DIR}: regular files only, executable when the owner may execute it; tool caches skipped. */
function readAppTree(dir: string = APP_DIR): Tree {
  const tree: Tree = new Map();
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${entry.name}` : entry.name;
      if (TOOL_CACHES.has(entry.name) || entry.name.endsWith(".pyc")) continue;
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) {
        const full = path.join(dir, p);
        tree.set(p, {
          content: fs.readFileSync(full),
          executable: (fs.statSync(full).mode & 0o100) !== 0,
        });
      } else throw new Error(`${path.join(dir, p)}: only regular files and directories can be committed`);
    }
  };
  walk("");
  return tree;
}

function applyOverlay(parent: Tree, commit: AppCommit): Tree {
  const tree: Tree = new Map(parent);
  for (const [p, entry] of Object.entries(commit.overlay ?? {})) {
    if (!REPO_PATH.test(p) || p.split("/").some((part) => [".", "..", ".git"].includes(part))) {
      throw new Error(
        `commit ${commit.name}: overlay path ${JSON.stringify(p)} is not a plain relative path`,
      );
    }
    if (entry === null) {
      if (!tree.delete(p))
        throw new Error(`commit ${commit.name}: cannot delete ${p}, the parent has no such file`);
      continue;
    }
    const parts = p.split("/");
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join("/");
      if (tree.has(prefix)) throw new Error(`commit ${commit.name}: ${p} would sit under the file ${prefix}`);
    }
    if ([...tree.keys()].some((k) => k.startsWith(`${p}/`))) {
      throw new Error(`commit ${commit.name}: ${p} is a directory in the parent`);
    }
    const file =
      typeof entry === "string" || Buffer.isBuffer(entry)
        ? { content: Buffer.from(entry), executable: false }
        : { content: Buffer.from(entry.content), executable: entry.executable };
    tree.set(p, file);
  }
  return tree;
}

function data(content: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`data ${content.length}\n`), content, Buffer.from("\n")]);
}

function fileCommand(p: string, file: TreeFile): Buffer {
  return Buffer.concat([
    Buffer.from(`M ${file.executable ? "100755" : "100644"} inline ${p}\n`),
    data(file.content),
  ]);
}

/** The `git fast-import` stream for `commits`: every commit a branch tip, trees exactly as computed. */
function fastImportStream(commits: readonly AppCommit[], base: Tree): Buffer {
  const trees = new Map<string, Tree>();
  const marks = new Map<string, number>();
  const chunks: Buffer[] = [];
  commits.forEach((c, i) => {
    if (!BRANCH.test(c.name))
      throw new Error(`commit name ${JSON.stringify(c.name)} is not a simple branch name`);
    if (trees.has(c.name)) throw new Error(`commit name ${c.name} is used twice`);
    const date = c.date ?? APP_COMMIT_DATE;
    if (!ISO_UTC.test(date) || Number.isNaN(Date.parse(date))) {
      throw new Error(`commit ${c.name}: date ${JSON.stringify(date)} is not YYYY-MM-DDTHH:MM:SSZ`);
    }
    let parentTree = base;
    if (c.parent !== undefined) {
      const t = trees.get(c.parent);
      if (!t) throw new Error(`commit ${c.name}: parent ${c.parent} is not an earlier commit of the list`);
      parentTree = t;
    }
    const tree = applyOverlay(parentTree, c);
    trees.set(c.name, tree);
    marks.set(c.name, i + 1);

    const who = `${APP_COMMIT_IDENTITY.name} <${APP_COMMIT_IDENTITY.email}> ${Date.parse(date) / 1000} +0000`;
    const message = Buffer.from(c.message.endsWith("\n") ? c.message : `${c.message}\n`);
    chunks.push(
      Buffer.from(`commit refs/heads/${c.name}\nmark :${i + 1}\nauthor ${who}\ncommitter ${who}\n`),
    );
    chunks.push(data(message));
    if (c.parent !== undefined) chunks.push(Buffer.from(`from :${marks.get(c.parent)}\n`));
    // Only the differences to the parent: fast-import starts from the parent's tree.
    for (const p of [...parentTree.keys()].sort()) {
      if (c.parent !== undefined && !tree.has(p)) chunks.push(Buffer.from(`D ${p}\n`));
    }
    for (const p of [...tree.keys()].sort()) {
      const file = tree.get(p)!;
      const before = c.parent !== undefined ? parentTree.get(p) : undefined;
      if (before && before.executable === file.executable && before.content.equals(file.content)) continue;
      chunks.push(fileCommand(p, file));
    }
    chunks.push(Buffer.from("\n"));
  });
  chunks.push(Buffer.from("done\n"));
  return Buffer.concat(chunks);
}

/** Git with no system or user config, so nothing on the machine (signing, hooks, templates) changes objects. */
function git(args: readonly string[], options: { cwd?: string; input?: Buffer } = {}): string {
  return execFileSync("git", args, {
    cwd: options.cwd,
    input: options.input,
    encoding: "utf8",
    stdio: ["pipe", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: os.tmpdir(),
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      LC_ALL: "C",
    },
  });
}

/**
 * Builds a bare repository at `bareDir` (absent or empty) holding `commits`, each the tip of
 * `refs/heads/<name>`; `HEAD` names the first. A root commit is {@link APP_DIR} plus its overlay,
 * any other its parent plus its overlay. Identity, dates and messages are fixed, so each sha
 * depends only on the files and the list. Fetching any commit by sha is allowed (the image
 * build fetches exactly the deployed commit). Returns the sha of each commit by name.
 */
export function buildAppRepo(
  bareDir: string,
  commits: readonly AppCommit[] = STANDARD_COMMITS,
): Record<string, string> {
  if (commits.length === 0) throw new Error("buildAppRepo: no commits given");
  const stream = fastImportStream(commits, readAppTree());
  if (fs.existsSync(bareDir) && fs.readdirSync(bareDir).length > 0) {
    throw new Error(`buildAppRepo: ${bareDir} exists and is not empty`);
  }
  git(["init", "--quiet", "--bare", bareDir]);
  git(["fast-import", "--quiet"], { cwd: bareDir, input: stream });
  git(["symbolic-ref", "HEAD", `refs/heads/${commits[0]!.name}`], { cwd: bareDir });
  git(["config", "uploadpack.allowAnySHA1InWant", "true"], { cwd: bareDir });
  const shas: Record<string, string> = {};
  for (const c of commits)
    shas[c.name] = git(["rev-parse", `refs/heads/${c.name}^{commit}`], { cwd: bareDir }).trim();
  return shas;
}

/** Owner the repository's files get in the archive. */
export interface RepoOwner {
  /** Numeric user id of the account that builds images in the sandbox. */
  readonly uid: number;
  /** Its numeric group id. */
  readonly gid: number;
}

/**
 * Writes `bareDir` as a tar archive whose top directory is `skriptoteket.git`, so
 * `tar -xf <file> -C /srv/git` yields `/srv/git/skriptoteket.git`. Every entry is owned by
 * `owner`: git refuses to fetch from a repository another user owns ("dubious ownership"),
 * so that must be the account the image build runs as.
 */
export function tarAppRepo(bareDir: string, tarFile: string, owner: RepoOwner): void {
  for (const [k, v] of Object.entries(owner)) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`tarAppRepo: ${k} ${v} is not a numeric id`);
  }
  execFileSync(
    "tar",
    [
      "--create",
      "--file",
      tarFile,
      "--directory",
      bareDir,
      "--sort=name",
      `--owner=${owner.uid}`,
      `--group=${owner.gid}`,
      "--numeric-owner",
      "--mode=u+rwX,go+rX,go-w",
      "--transform=s,^\\.,skriptoteket.git,",
      ".",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
}
