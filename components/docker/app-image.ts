import * as pulumi from "@pulumi/pulumi";
import { HostImage } from "../../providers/host-image";
import type { DockerHostAccess } from "./managed-container";
import { imageRef, renderImageBuildScript } from "./image-build-script";

/** Arguments of {@link AppImage}. */
export interface AppImageArgs {
  /** How the build reaches the Docker host (the host layer's SSH connection and docker CLI). */
  readonly access: DockerHostAccess;
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
 * `<repository>:<commit>` (docs/decisions/0012). A host resource with a real read: refresh
 * checks that the tag exists, so an image removed by hand, or a fresh host, is rebuilt by the
 * next `up`; an existing tag is never rebuilt, and old tags stay for a rollback.
 * `ref` is computed from the arguments, so it is known at preview; depend on `build` to wait for it.
 */
export class AppImage extends pulumi.ComponentResource {
  /** `<repository>:<commit>`. */
  readonly ref: string;
  /** The image on the host; containers and migrations that use `ref` must depend on it. */
  readonly build: HostImage;

  constructor(name: string, args: AppImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:docker:AppImage", name, {}, opts);
    this.ref = imageRef(args.repository, args.commit);
    this.build = new HostImage(
      `${name}-build`,
      {
        connection: args.access.connection,
        dockerBinary: args.access.dockerBinary,
        ref: this.ref,
        buildScript: renderImageBuildScript({ ...args, dockerBinary: args.access.dockerBinary }),
        timeoutSeconds: args.timeoutSeconds ?? 3600,
      },
      { parent: this },
    );
    this.registerOutputs({ ref: this.ref });
  }
}
