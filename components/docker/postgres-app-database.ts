import * as pulumi from "@pulumi/pulumi";
import type * as command from "@pulumi/command";
import type * as docker from "@pulumi/docker";
import { remoteAction } from "../actions/remote-action";
import { shellQuote } from "../actions/shell";
import { renderAppDatabaseSql, sqlIdentifier } from "./app-database-sql";

/** Arguments of {@link PostgresAppDatabase}. */
export interface PostgresAppDatabaseArgs {
  /** SSH connection from `sshConnection`. */
  readonly connection: command.types.input.remote.ConnectionArgs;
  /** Absolute path of the docker CLI on the host (run through `sudo -n`). */
  readonly dockerBinary: string;
  /** The postgres container; the action waits for it (created with `wait: true`, so healthy). */
  readonly server: docker.Container;
  /** Name of that container (plain, so the script stays readable in a diff). */
  readonly containerName: string;
  /** Database name. */
  readonly database: string;
  /** Owning login role. */
  readonly role: string;
  /** The role's password (secret). */
  readonly password: pulumi.Input<string>;
  /** Seconds the step may run. Default 120. */
  readonly timeoutSeconds?: number;
}

/**
 * Renders the remote script: psql inside the server container reads the SQL from stdin.
 * Nothing secret is in it.
 */
export function appDatabaseScript(dockerBinary: string, containerName: string): string {
  return `sudo -n ${shellQuote(dockerBinary)} exec -i ${shellQuote(containerName)} psql -X -q -v ON_ERROR_STOP=1 -U postgres -d postgres`;
}

/**
 * One app database and its owning role, ensured idempotently after the server is healthy
 * (spec §9). The SQL, including the password, goes on stdin; output is never logged. Re-runs
 * when the server container, the names or the password change. There is no delete command:
 * removing this from the program never drops a database (docs/decisions/0011).
 */
export class PostgresAppDatabase extends pulumi.ComponentResource {
  /** The ensure step. */
  readonly command: command.remote.Command;

  constructor(name: string, args: PostgresAppDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:docker:PostgresAppDatabase", name, {}, opts);
    // Names are checked now, so a bad one fails the preview instead of the first `up`.
    sqlIdentifier("database", args.database);
    sqlIdentifier("role", args.role);
    const password = pulumi.secret(args.password);
    const sql = pulumi.secret(
      pulumi
        .output(password)
        .apply((pw) => renderAppDatabaseSql({ database: args.database, role: args.role, password: pw })),
    );
    this.command = remoteAction(
      `${name}-ensure`,
      {
        connection: args.connection,
        script: appDatabaseScript(args.dockerBinary, args.containerName),
        timeoutSeconds: args.timeoutSeconds ?? 120,
        stdin: sql,
        triggers: [args.server.id, args.role, args.database, password],
        logOutput: false,
      },
      { parent: this, dependsOn: [args.server] },
    );
    this.registerOutputs({});
  }
}
