/**
 * Commits on top of the standard A and B of the Skriptoteket stand-in (sandbox/app-repo.ts) that
 * each break one step of a deploy, for the deploy e2e and the bench. Each is a child of B, so its
 * schema is B's plus its own.
 */
import {
  COMMIT_A,
  COMMIT_B,
  releaseOverlay,
  STANDARD_COMMITS,
  type AppCommit,
} from "../../../sandbox/app-repo";

/** The web image build fails: the Dockerfile copies a file the repository does not have. */
export const BUILD_FAILS: AppCommit = {
  name: "C-build",
  parent: "B",
  date: "2025-01-03T00:00:00Z",
  message: "Release C-build: the Dockerfile copies a file that does not exist",
  overlay: {
    ...releaseOverlay("C-build"),
    Dockerfile:
      'FROM hemma-dev/python-base:3.11-bookworm AS production\nCOPY no-such-file /app/\nCMD ["pdm", "run", "serve"]\n',
  },
};

/** `db-upgrade` fails: the release ships a migration that alters a table that does not exist. */
export const MIGRATION_FAILS: AppCommit = {
  name: "C-migration",
  parent: "B",
  date: "2025-01-04T00:00:00Z",
  message: "Release C-migration: a migration that fails",
  overlay: {
    ...releaseOverlay("C-migration"),
    "migrations/0003_broken.sql": "ALTER TABLE no_such_table ADD COLUMN x integer;\n",
  },
};

/** Serves pages, but `/healthz` never answers 200: the container never becomes healthy. */
export const NEVER_HEALTHY: AppCommit = {
  name: "C-unhealthy",
  parent: "B",
  date: "2025-01-05T00:00:00Z",
  message: "Release C-unhealthy: /healthz always answers 503",
  overlay: {
    ...releaseOverlay("C-unhealthy"),
    "src/skriptoteket/health.py":
      '"""This release never reports healthy."""\n\n' +
      "from __future__ import annotations\n\n\n" +
      "def check_health(settings: object, migrations: object) -> tuple[int, dict[str, object]]:\n" +
      '    return 503, {"status": "unhealthy", "reason": "release C-unhealthy never becomes healthy"}\n',
  },
};

/** Every commit the deploy e2e needs, parents first. */
export const DEPLOY_COMMITS: readonly AppCommit[] = [
  ...STANDARD_COMMITS,
  BUILD_FAILS,
  MIGRATION_FAILS,
  NEVER_HEALTHY,
];

export { COMMIT_A, COMMIT_B };
