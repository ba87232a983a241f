import * as docker from "@pulumi/docker";
import { installMocks, T } from "../../../scripts/mock-engine";
import { SharedPostgres } from "../../../components/docker/shared-postgres";
import { LOGGING, ACCESS } from "./fixtures";
import * as pulumi from "@pulumi/pulumi";

const h = installMocks();

function build(): SharedPostgres {
  const net = new docker.Network("net", { name: "hule-network" });
  return new SharedPostgres("shared-postgres", {
    image: "postgres:16-alpine",
    volumeName: "infrastructure_postgres_data",
    network: net.name,
    adminPassword: pulumi.secret("s3cret'pw"),
    logging: LOGGING,
    access: ACCESS,
  });
}

beforeEach(() => h.reset());

test("container has the exact documented inputs", async () => {
  build();
  await h.settle();
  const c = h.get(T.container, "shared-postgres");
  expect(c.inputs).toEqual({
    name: "shared-postgres",
    image: "postgres:16-alpine",
    envs: ["POSTGRES_PASSWORD=s3cret'pw"],
    labels: [{ label: "education.hule.hemma.managed-by", value: "hemma-infra" }],
    mounts: [{ type: "volume", source: "infrastructure_postgres_data", target: "/var/lib/postgresql/data" }],
    networksAdvanced: [{ name: "hule-network" }],
    healthcheck: {
      tests: ["CMD", "pg_isready", "-U", "postgres", "-d", "postgres"],
      interval: "10s",
      timeout: "5s",
      retries: 5,
      startPeriod: "30s",
    },
    restart: "unless-stopped",
    logDriver: "json-file",
    logOpts: { "max-size": "10m", "max-file": "3" },
    removeVolumes: false,
    wait: true,
    waitTimeout: 120,
    destroyGraceSeconds: 60,
  });
});

test("admin password stays secret in the container env", async () => {
  build();
  await h.settle();
  expect(h.get(T.container, "shared-postgres").secretPaths).toEqual(["envs"]);
});

test("fixed name is replaced delete-first; the data volume is protected and retained", async () => {
  build();
  await h.settle();
  const c = h.get(T.container, "shared-postgres");
  expect(c.options.deleteBeforeReplace).toBe(true);
  const v = h.get(T.volume, "shared-postgres-data");
  expect(v.inputs).toEqual({ name: "infrastructure_postgres_data" });
  expect(v.options.protect).toBe(true);
  expect(v.options.retainOnDelete).toBe(true);
  expect(c.options.dependencies).toContain(v.urn);
});

test("children are parented to the component", async () => {
  build();
  await h.settle();
  const comp = h.get("hemma:docker:SharedPostgres", "shared-postgres");
  expect(h.get(T.container, "shared-postgres").options.parent).toBe(comp.urn);
  expect(h.get(T.volume, "shared-postgres-data").options.parent).toBe(comp.urn);
});
