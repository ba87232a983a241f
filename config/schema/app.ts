import { z } from "zod";
import { appEnvSchema } from "./app-env";
import { absolutePathSchema, dockerNameSchema, gitShaSchema } from "./fields";
import { gitUrlSchema } from "./git-url";
import { imageRepositorySchema } from "./image-reference";

/** `hemma:app`: Skriptoteket, built on the Docker host from its repository at one commit. */
export const appSchema = z.strictObject({
  /** Git remote the host clones (prod `https://github.com/paunchygent/skriptoteket.git`). */
  repoUrl: gitUrlSchema,
  /** Full 40-hex commit to build and run. Changing it and running `up` is a deploy. */
  commit: gitShaSchema,
  /** Checkout directory on the Docker host. Default `/home/paunchygent/apps/skriptoteket`. */
  checkoutDir: absolutePathSchema.default("/home/paunchygent/apps/skriptoteket"),
  /**
   * Host directory where images are built: a bare cache repository plus one throw-away worktree
   * per build, so the operator's checkout is never touched (docs/decisions/0012).
   * Default `/home/paunchygent/.cache/hemma-infra/skriptoteket-build`.
   */
  buildDir: absolutePathSchema.default("/home/paunchygent/.cache/hemma-infra/skriptoteket-build"),
  /** Local repository of the web image; tagged with the commit. Default `skriptoteket-web`. */
  webImageRepository: imageRepositorySchema.default("skriptoteket-web"),
  /** Local repository of the runner image; tagged with the commit. Default `skriptoteket-runner`. */
  runnerImageRepository: imageRepositorySchema.default("skriptoteket-runner"),
  /** Name of the web container (also its DNS name on the network). Default `skriptoteket-web`. */
  containerName: dockerNameSchema.default("skriptoteket-web"),
  /** Named volume for `/app/.artifacts` (protected). Default `skriptoteket_artifacts_data`. */
  artifactsVolume: dockerNameSchema.default("skriptoteket_artifacts_data"),
  /** Non-secret app settings (spec §2.2). */
  env: appEnvSchema.prefault({}),
  /**
   * Run an execution-queue worker container (`pdm run run-execution-worker`) next to the web
   * container; RUNNER_QUEUE_ENABLED follows this value so runs are never queued without a worker
   * (spec §11, docs/decisions/0006).
   */
  runExecutionWorker: z.boolean({ error: "true or false" }),
  /**
   * Seconds a new web or worker container may take to report healthy before the deploy fails
   * and the old containers keep serving (docs/decisions/0013). Default 180.
   */
  healthTimeoutSeconds: z.number({ error: "a whole number of seconds" }).int().min(10).max(3600).default(180),
});

/** Parsed `hemma:app`. */
export type AppConfig = z.output<typeof appSchema>;
