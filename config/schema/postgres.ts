import { z } from "zod";
import { dockerNameSchema, sqlIdentifierSchema } from "./fields";

/** One application database and the role that owns it. */
export const databaseSchema = z.strictObject({
  /** Database name. */
  name: sqlIdentifierSchema,
  /** Owning role (login role the app connects as). */
  owner: sqlIdentifierSchema,
});

/** `hemma:postgres`: the shared PostgreSQL server. */
export const postgresSchema = z.strictObject({
  /** Container name (DNS name on the network). Default `shared-postgres`. */
  containerName: dockerNameSchema.default("shared-postgres"),
  /** Named data volume (protected, retained on delete). Default `infrastructure_postgres_data`. */
  volumeName: dockerNameSchema.default("infrastructure_postgres_data"),
  /** App databases created idempotently. Default `[{ name: skriptoteket, owner: skriptoteket }]`. */
  databases: z
    .array(databaseSchema, { error: "a list of { name, owner }" })
    .superRefine((dbs, ctx) => {
      const seen = new Map<string, number>();
      dbs.forEach((db, i) => {
        const first = seen.get(db.name);
        if (first !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: [i, "name"],
            input: db.name,
            message: `a database name not already used at hemma:postgres.databases[${first}].name`,
          });
        } else seen.set(db.name, i);
      });
    })
    .default([{ name: "skriptoteket", owner: "skriptoteket" }]),
  /**
   * Server settings passed as `postgres -c <key>=<value>` (e.g. `max_connections: "200"`); the
   * spec documents no tuning (§12.17). A change replaces the container, never the data volume.
   * Default none.
   */
  settings: z
    .record(
      z.string().regex(/^[a-z_][a-z0-9_.]*$/, { error: "a PostgreSQL setting name such as max_connections" }),
      z
        .string({ error: 'a string value (quote numbers: "200")' })
        .regex(/^[^\s'"\\]+$/, { error: "a value without spaces, quotes or backslashes" }),
    )
    .default({}),
});

/** Parsed `hemma:postgres`. */
export type PostgresConfig = z.output<typeof postgresSchema>;
