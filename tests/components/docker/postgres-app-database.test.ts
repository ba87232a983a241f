import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, T } from "../../../scripts/mock-engine";
import { PostgresAppDatabase, appDatabaseScript } from "../../../components/docker/postgres-app-database";
import { renderAppDatabaseSql } from "../../../components/docker/app-database-sql";
import { withTimeout } from "../../../components/actions/shell";
import { CONNECTION } from "./fixtures";

const h = installMocks();
beforeEach(() => h.reset());

function build(): void {
  const server = new docker.Container("pg", { image: "postgres:16-alpine", name: "shared-postgres" });
  new PostgresAppDatabase("db-skriptoteket", {
    connection: CONNECTION,
    dockerBinary: "/snap/bin/docker",
    server,
    containerName: "shared-postgres",
    database: "skriptoteket",
    role: "skriptoteket",
    password: pulumi.secret("pa'ss"),
  });
}

test("script runs psql in the container via sudo, reading SQL from stdin", () => {
  expect(appDatabaseScript("/snap/bin/docker", "shared-postgres")).toBe(
    "sudo -n '/snap/bin/docker' exec -i 'shared-postgres' psql -X -q -v ON_ERROR_STOP=1 -U postgres -d postgres",
  );
});

test("the command carries the SQL on stdin, secret, never in the command line", async () => {
  build();
  await h.settle();
  const c = h.get(T.command, "db-skriptoteket-ensure");
  expect(c.inputs.create).toBe(withTimeout(120, appDatabaseScript("/snap/bin/docker", "shared-postgres")));
  expect(c.inputs.create).not.toContain("pa'ss");
  expect(c.inputs.stdin).toBe(
    renderAppDatabaseSql({ database: "skriptoteket", role: "skriptoteket", password: "pa'ss" }),
  );
  expect(c.secretPaths).toEqual(expect.arrayContaining(["stdin", "connection"]));
  expect(c.inputs.delete).toBeUndefined();
  expect(c.inputs.logging).toBe("none");
  expect(c.inputs.addPreviousOutputInEnv).toBe(false);
  expect(c.options.additionalSecretOutputs).toEqual(expect.arrayContaining(["stdout", "stderr"]));
});

test("re-runs on container, role, database or password change; the password stays secret", async () => {
  build();
  await h.settle();
  const c = h.get(T.command, "db-skriptoteket-ensure");
  expect(c.inputs.triggers).toEqual(["pg-id", "skriptoteket", "skriptoteket", "pa'ss"]);
  expect(c.secretPaths).toContain("triggers");
});

test("waits for the server container", async () => {
  build();
  await h.settle();
  const c = h.get(T.command, "db-skriptoteket-ensure");
  expect(c.options.dependencies).toContain(h.get(T.container, "pg").urn);
});

test("a bad role or database name fails at construction, before any resource exists", () => {
  const server = new docker.Container("pg2", { image: "postgres:16-alpine" });
  const args = {
    connection: CONNECTION,
    dockerBinary: "/snap/bin/docker",
    server,
    containerName: "shared-postgres",
    database: "ok",
    role: "ok",
    password: pulumi.secret("x"),
  };
  expect(() => new PostgresAppDatabase("bad-db", { ...args, database: "Bad" })).toThrow(
    'database "Bad" is not a lower-case SQL identifier',
  );
  expect(() => new PostgresAppDatabase("bad-role", { ...args, role: "x y" })).toThrow(
    'role "x y" is not a lower-case SQL identifier',
  );
});
