import { psqlMetaQuote, renderAppDatabaseSql } from "../../../components/docker/app-database-sql";

test("renders the exact idempotent script", () => {
  expect(renderAppDatabaseSql({ database: "skriptoteket", role: "skriptoteket", password: "pw" })).toBe(
    [
      "\\set ON_ERROR_STOP on",
      "\\set pw 'pw'",
      `SELECT 'CREATE ROLE "skriptoteket" LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'skriptoteket')\\gexec`,
      `ALTER ROLE "skriptoteket" WITH LOGIN PASSWORD :'pw';`,
      "\\unset pw",
      `SELECT 'CREATE DATABASE "skriptoteket" OWNER "skriptoteket"' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'skriptoteket')\\gexec`,
      `ALTER DATABASE "skriptoteket" OWNER TO "skriptoteket";`,
      "",
    ].join("\n"),
  );
});

test.each([
  ["plain", "'plain'"],
  ["it's", "'it''s'"],
  ["''", "''''''"],
  ["back\\slash", "'back\\\\slash'"],
  ["\\'", "'\\\\'''"],
  ['$x"y :z', "'$x\"y :z'"],
  ["", "''"],
])("psqlMetaQuote(%j) = %j", (input, expected) => {
  expect(psqlMetaQuote(input)).toBe(expected);
});

test.each([["a\nb"], ["a\rb"], ["a\0b"]])("psqlMetaQuote refuses %j", (input) => {
  expect(() => psqlMetaQuote(input)).toThrow("may not contain a line break or NUL");
});

test.each([
  [
    { database: "Skriptoteket", role: "r", password: "p" },
    'database "Skriptoteket" is not a lower-case SQL identifier',
  ],
  [{ database: "db", role: "r; DROP", password: "p" }, 'role "r; DROP" is not a lower-case SQL identifier'],
  [{ database: "db", role: "1r", password: "p" }, 'role "1r" is not a lower-case SQL identifier'],
])("refuses unsafe identifiers %#", (args, message) => {
  expect(() => renderAppDatabaseSql(args)).toThrow(message);
});

test("the password appears once, only in the \\set line", () => {
  const sql = renderAppDatabaseSql({ database: "db", role: "r", password: "Zx9-unique" });
  const lines = sql.split("\n").filter((l) => l.includes("Zx9-unique"));
  expect(lines).toEqual(["\\set pw 'Zx9-unique'"]);
});
