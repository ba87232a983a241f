/** What {@link renderAppDatabaseSql} needs. */
export interface AppDatabaseSqlArgs {
  /** Database name (lower-case SQL identifier). */
  readonly database: string;
  /** Owning login role (lower-case SQL identifier). */
  readonly role: string;
  /** The role's password, plain text; it only ever travels on stdin. */
  readonly password: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Quotes text as a single-quoted argument of a psql meta-command (`\set`): inside such an
 * argument psql treats a backslash as an escape and `''` as one quote, so both are doubled up.
 * Line breaks end a meta-command and NUL cannot be sent, so they are refused.
 */
export function psqlMetaQuote(text: string): string {
  if (/[\r\n\0]/.test(text)) {
    throw new Error("a value passed to psql \\set may not contain a line break or NUL");
  }
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

/** Returns `value` when it is a lower-case SQL identifier needing no quoting; throws otherwise. */
export function sqlIdentifier(kind: string, value: string): string {
  if (!IDENTIFIER.test(value)) {
    throw new Error(
      `${kind} ${JSON.stringify(value)} is not a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63)`,
    );
  }
  return value;
}

/**
 * Renders the idempotent psql script that ensures one app database and its owning role:
 * CREATE ROLE / CREATE DATABASE only when missing (`\gexec` runs the generated statement, since
 * CREATE DATABASE cannot run inside a DO block), then the password and ownership are set every run.
 * The password is bound with `\set` and used as `:'pw'`, so psql quotes it as a literal and it
 * never appears in a command line or in the SQL text psql echoes on error.
 */
export function renderAppDatabaseSql(args: AppDatabaseSqlArgs): string {
  const role = sqlIdentifier("role", args.role);
  const db = sqlIdentifier("database", args.database);
  return [
    "\\set ON_ERROR_STOP on",
    `\\set pw ${psqlMetaQuote(args.password)}`,
    `SELECT 'CREATE ROLE "${role}" LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}')\\gexec`,
    `ALTER ROLE "${role}" WITH LOGIN PASSWORD :'pw';`,
    "\\unset pw",
    `SELECT 'CREATE DATABASE "${db}" OWNER "${role}"' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '${db}')\\gexec`,
    `ALTER DATABASE "${db}" OWNER TO "${role}";`,
    "",
  ].join("\n");
}
