import * as pulumi from "@pulumi/pulumi";
import type * as command from "@pulumi/command";
import { remoteAction } from "../actions/remote-action";
import { imageRef, renderImageBuildScript } from "./image-build-script";

/** Arguments of {@link AppImage}. */
export interface AppImageArgs {
  /** SSH connection from `sshConnection`. */
  readonly connection: command.types.input.remote.ConnectionArgs;
  /** Absolute path of the docker CLI on the host. */
  readonly dockerBinary: string;
  /** Git remote of the app repository. */
  readonly repoUrl: string;
  /** Full 40-hex commit to build; it is also the image tag. */
  readonly commit: string;
  /** Host directory for the build cache repository and worktrees. */
  readonly buildDir: string;
  /** Dockerfile path inside the repository. */
  readonly dockerfile: string;
  /** Build stage. */
  readonly target: string;
  /** Local image repository, e.g. `skriptoteket-web`. */
  readonly repository: string;
  /** Seconds the build may take. Default 3600 (the first build downloads the whole toolchain). */
  readonly timeoutSeconds?: number;
}

/**
 * An app image built on the Docker host from the repository at one commit and tagged
 * `<repository>:<commit>` (docs/decisions/0012). The build is a `remote.Command` re-run only when
 * the commit, Dockerfile or target changes; the script skips the build when the tag exists.
 * `ref` is computed from the arguments, so it is known at preview; depend on `build` to wait for it.
 */
export class AppImage extends pulumi.ComponentResource {
  /** `<repository>:<commit>`. */
  readonly ref: string;
  /** The build step; containers and migrations that use `ref` must depend on it. */
  readonly build: command.remote.Command;

  constructor(name: string, args: AppImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:docker:AppImage", name, {}, opts);
    this.ref = imageRef(args.repository, args.commit);
    this.build = remoteAction(
      `${name}-build`,
      {
        connection: args.connection,
        script: renderImageBuildScript(args),
        timeoutSeconds: args.timeoutSeconds ?? 3600,
        triggers: [args.commit, args.dockerfile, args.target],
        // Build logs carry no secrets and are what an operator needs when a build fails.
        logOutput: true,
      },
      { parent: this },
    );
    this.registerOutputs({ ref: this.ref });
  }
}
