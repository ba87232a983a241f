import * as pulumi from "@pulumi/pulumi";
import type { HostConnectionArgs } from "../../providers/host-connection";
import type { HostFile } from "../../providers/host-file";
import type { SystemdUnit } from "../../providers/systemd-unit";
import {
  renderDatabaseBackups,
  type DatabaseBackupsArgs as RenderArgs,
} from "../../render/host/database-backups";
import { placeScheduledJobs } from "./maintenance-timers";

/** Arguments of {@link DatabaseBackups}. */
export interface DatabaseBackupsArgs {
  /** How to reach the host. */
  readonly connection: HostConnectionArgs;
  /** Databases, directory, retention, schedule (render/host/database-backups.ts). */
  readonly settings: RenderArgs;
}

/**
 * Nightly `pg_dump` of each app database through `docker exec`, verified by a restore into a
 * scratch database, renamed into place atomically and rotated (docs/decisions/0047).
 */
export class DatabaseBackups extends pulumi.ComponentResource {
  /** Script, service and timer, by host path. */
  readonly resources: Readonly<Record<string, HostFile | SystemdUnit>>;
  /** Where the dumps land. */
  readonly dir: string;

  constructor(name: string, args: DatabaseBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:host:DatabaseBackups", name, {}, opts);
    this.resources = placeScheduledJobs(name, args.connection, renderDatabaseBackups(args.settings), this);
    this.dir = args.settings.dir;
    this.registerOutputs({ dir: this.dir });
  }
}
