import { shellQuote } from "../actions/shell";

/** What {@link renderImageBuildScript} needs. All values are plain and non-secret. */
export interface ImageBuildScriptArgs {
  /** Absolute path of the docker CLI on the host (run through `sudo -n`). */
  readonly dockerBinary: string;
  /** Git remote to fetch from. */
  readonly repoUrl: string;
  /** Full 40-hex commit to build. */
  readonly commit: string;
  /** Directory on the host holding the build cache repository and per-commit worktrees. */
  readonly buildDir: string;
  /** Dockerfile path inside the repository (`Dockerfile`, `Dockerfile.runner`). */
  readonly dockerfile: string;
  /** Build stage (`production`, `runner`). */
  readonly target: string;
  /** Local image repository (`skriptoteket-web`); the tag is the commit. */
  readonly repository: string;
}

const SHA = /^[0-9a-f]{40}$/;

/** `<repository>:<commit>`: the only tag an app image ever gets (never `latest`). */
export function imageRef(repository: string, commit: string): string {
  if (!SHA.test(commit)) {
    throw new Error(`commit ${JSON.stringify(commit)} is not a full 40-character lower-case hex sha`);
  }
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(repository)) {
    throw new Error(
      `image repository ${JSON.stringify(repository)} is not a valid lower-case repository name`,
    );
  }
  return `${repository}:${commit}`;
}

/**
 * Renders the idempotent build script run on the Docker host:
 * 1. exit early when `<repository>:<commit>` already exists (a re-run or a rollback costs nothing);
 * 2. under a lock, fetch exactly that commit into a bare cache repository under `buildDir`
 *    (the operator's checkout, which the observability stack bind-mounts, is never touched);
 * 3. check it out into a fresh per-commit worktree and verify `git rev-parse HEAD`;
 * 4. `docker build --target <t> -f <dockerfile> -t <repository>:<commit>`; the worktree is removed
 *    whatever the outcome. No image label is added: Docker copies image labels into container
 *    labels, which the docker provider would then report as drift.
 * Any failure exits non-zero, so the dependent migration and container never change.
 */
export function renderImageBuildScript(a: ImageBuildScriptArgs): string {
  const ref = imageRef(a.repository, a.commit);
  const q = shellQuote;
  const docker = `sudo -n ${q(a.dockerBinary)}`;
  const worktree = `${a.buildDir}/worktrees/${a.repository.replace(/[^a-z0-9._-]/g, "_")}-${a.commit}`;
  return [
    `ref=${q(ref)}`,
    `commit=${q(a.commit)}`,
    `cache=${q(`${a.buildDir}/repo.git`)}`,
    `worktree=${q(worktree)}`,
    `if ${docker} image inspect --format '{{.Id}}' "$ref" >/dev/null 2>&1; then`,
    `  echo "image $ref already present; nothing to build"`,
    `  exit 0`,
    `fi`,
    `mkdir -p ${q(`${a.buildDir}/worktrees`)}`,
    // Two image builds of one deploy share the cache repository; git refuses concurrent writers.
    `exec 9>${q(`${a.buildDir}/.lock`)}`,
    `flock 9`,
    `if [ ! -d "$cache" ]; then git init --quiet --bare "$cache"; fi`,
    `if ! git -C "$cache" cat-file -e "$commit^{commit}" 2>/dev/null; then`,
    `  git -C "$cache" fetch --quiet ${q(a.repoUrl)} "$commit" || git -C "$cache" fetch --quiet ${q(a.repoUrl)} '+refs/heads/*:refs/remotes/origin/*'`,
    `fi`,
    `git -C "$cache" cat-file -e "$commit^{commit}"`,
    `rm -rf "$worktree"`,
    `git -C "$cache" worktree prune`,
    `trap 'git -C "$cache" worktree remove --force "$worktree" >/dev/null 2>&1 || rm -rf "$worktree"' EXIT`,
    `git -C "$cache" worktree add --quiet --detach "$worktree" "$commit"`,
    `head=$(git -C "$worktree" rev-parse HEAD)`,
    `if [ "$head" != "$commit" ]; then echo "checked out $head, expected $commit" >&2; exit 1; fi`,
    `cd "$worktree"`,
    `${docker} build --target ${q(a.target)} -f ${q(a.dockerfile)} -t "$ref" .`,
    `echo "built $ref"`,
    "",
  ].join("\n");
}
