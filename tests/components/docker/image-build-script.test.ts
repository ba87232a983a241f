import * as fs from "node:fs";
import * as path from "node:path";
import { withTimeout } from "../../../components/actions/shell";
import { imageRef, renderImageBuildScript } from "../../../components/docker/image-build-script";
import { type FakeHost, fakeHost, gitRepo } from "./fake-host";

// The fake docker: `image inspect` succeeds once `build` has produced the tag; `build` records
// the HEAD of its working directory and fails when $STATE/fail-build exists.
const DOCKER = `
case "$1" in
  image) [ -e "$STATE/image-\${5//[\\/:]/_}" ] ;;
  build)
    [ -e "$STATE/fail-build" ] && { echo "build broke" >&2; exit 3; }
    git rev-parse HEAD >"$STATE/built-head"
    while [ $# -gt 0 ]; do if [ "$1" = "-t" ]; then touch "$STATE/image-\${2//[\\/:]/_}"; fi; shift; done ;;
  *) exit 64 ;;
esac`;

let host: FakeHost;
let repo: ReturnType<typeof gitRepo>;
beforeEach(() => {
  host = fakeHost(DOCKER);
  repo = gitRepo(host.dir);
});
afterEach(() => host.cleanup());

function script(
  commit: string,
  over: Partial<{ dockerfile: string; target: string; repository: string }> = {},
): string {
  return withTimeout(
    120,
    renderImageBuildScript({
      dockerBinary: host.docker,
      repoUrl: repo.path,
      commit,
      buildDir: path.join(host.dir, "build"),
      dockerfile: over.dockerfile ?? "Dockerfile",
      target: over.target ?? "production",
      repository: over.repository ?? "skriptoteket-web",
    }),
  );
}

test("imageRef is <repository>:<commit> and refuses short shas and bad names", () => {
  expect(imageRef("skriptoteket-web", "a".repeat(40))).toBe(`skriptoteket-web:${"a".repeat(40)}`);
  expect(() => imageRef("skriptoteket-web", "abc1234")).toThrow("not a full 40-character");
  expect(() => imageRef("skriptoteket-web", "latest")).toThrow("not a full 40-character");
  expect(() => imageRef("Skriptoteket", "a".repeat(40))).toThrow("not a valid lower-case repository name");
});

test("builds the exact commit in a worktree, tags it with the commit, then removes the worktree", () => {
  const r = host.run(script(repo.first));
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const worktree = path.join(host.dir, "build", "worktrees", `skriptoteket-web-${repo.first}`);
  expect(host.calls()).toEqual([
    `${host.dir}\timage inspect --format {{.Id}} skriptoteket-web:${repo.first}`,
    `${worktree}\tbuild --target production -f Dockerfile -t skriptoteket-web:${repo.first} .`,
  ]);
  expect(fs.readFileSync(path.join(host.dir, "state", "built-head"), "utf8").trim()).toBe(repo.first);
  expect(fs.existsSync(worktree)).toBe(false);
  expect(r.stdout).toContain(`built skriptoteket-web:${repo.first}`);
});

test("a second run finds the tag and builds nothing", () => {
  expect(host.run(script(repo.second)).status).toBe(0);
  const r = host.run(script(repo.second));
  expect(r.status).toBe(0);
  expect(r.stdout).toContain("already present; nothing to build");
  expect(host.calls().filter((c) => c.includes("\tbuild "))).toHaveLength(1);
});

test("runner image: Dockerfile.runner, target runner, own repository", () => {
  expect(
    host.run(
      script(repo.second, {
        dockerfile: "Dockerfile.runner",
        target: "runner",
        repository: "skriptoteket-runner",
      }),
    ).status,
  ).toBe(0);
  expect(host.calls()[1]).toMatch(
    new RegExp(`\\tbuild --target runner -f Dockerfile.runner -t skriptoteket-runner:${repo.second} .$`),
  );
});

test("an unknown commit fails before any build", () => {
  const r = host.run(script("f".repeat(40)));
  expect(r.status).not.toBe(0);
  expect(host.calls().filter((c) => c.includes("\tbuild "))).toEqual([]);
});

test("a failed build fails the step and still removes the worktree", () => {
  fs.writeFileSync(path.join(host.dir, "state", "fail-build"), "");
  const r = host.run(script(repo.first));
  expect(r.status).toBe(3);
  expect(r.stderr).toContain("build broke");
  expect(fs.existsSync(path.join(host.dir, "build", "worktrees", `skriptoteket-web-${repo.first}`))).toBe(
    false,
  );
});
