import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, T, envMap } from "../../../scripts/mock-engine";
import { Grafana, checkAdminPassword } from "../../../components/observability/grafana";
import { restartCommand } from "../../../render/observability/commands";
import { COMMON_INPUTS, HOST_FILE, PROBE, common, file, guard } from "./fixtures";

const h = installMocks();
beforeEach(() => h.reset());
const DIR = "/home/paunchygent/infrastructure/observability/grafana/provisioning";

function build(extra: object = {}) {
  const prom = new docker.Network("prom-stand-in", { name: "p" });
  return new Grafana("grafana", {
    ...common(guard()),
    image: "grafana/grafana:11.3.0",
    containerName: "grafana",
    volumeName: "skriptoteket-observability_grafana_data",
    configDir: DIR,
    files: [
      file(DIR, "datasources/datasources.yaml"),
      file(DIR, "dashboards/dashboards.yaml"),
      file(DIR, "dashboards/skriptoteket-http-metrics.json", "{}\n"),
    ],
    adminUser: "admin",
    adminPassword: pulumi.secret("correct horse battery"),
    anonymousViewer: false,
    publish: { address: "127.0.0.1", port: 3000 },
    domain: "grafana.hemma.hule.education",
    datasources: [prom as unknown as docker.Container],
    ...extra,
  });
}

test("Grafana: admin from secret, anonymous off, public root URL and route, loopback port", async () => {
  build();
  await h.settle();
  const c = h.get(T.container, "grafana");
  expect(c.inputs).toEqual({
    ...COMMON_INPUTS,
    name: "grafana",
    image: "grafana/grafana:11.3.0",
    envs: [
      "GF_SECURITY_ADMIN_USER=admin",
      "GF_SECURITY_ADMIN_PASSWORD=correct horse battery",
      "GF_AUTH_ANONYMOUS_ENABLED=false",
      "GF_SERVER_ROOT_URL=https://grafana.hemma.hule.education",
      "VIRTUAL_HOST=grafana.hemma.hule.education",
      "VIRTUAL_PORT=3000",
      "LETSENCRYPT_HOST=grafana.hemma.hule.education",
    ],
    ports: [{ internal: 3000, external: 3000, ip: "127.0.0.1", protocol: "tcp" }],
    mounts: [
      { type: "bind", source: DIR, target: "/etc/grafana/provisioning", readOnly: true },
      { type: "volume", source: "skriptoteket-observability_grafana_data", target: "/var/lib/grafana" },
    ],
    healthcheck: { tests: ["CMD", "wget", "-q", "--spider", "http://localhost:3000/api/health"], ...PROBE },
  });
  expect(c.secretPaths).toEqual(["envs"]);
  expect(c.options.dependencies).toContain(h.get(T.network, "prom-stand-in").urn);
});

test("anonymous Viewer is the config's choice", async () => {
  build({ anonymousViewer: true });
  await h.settle();
  const env = envMap(h.get(T.container, "grafana").inputs.envs);
  expect([env.GF_AUTH_ANONYMOUS_ENABLED, env.GF_AUTH_ANONYMOUS_ORG_ROLE]).toEqual(["true", "Viewer"]);
});

test("datasource and provider changes restart Grafana; dashboards need nothing (rescanned every 30 s)", async () => {
  build();
  await h.settle();
  const c = { dockerBin: "/snap/bin/docker", container: "grafana" };
  const files = h.ofType(HOST_FILE).map((f) => [f.inputs.path, f.inputs.validate, f.inputs.onChange]);
  expect(files.sort()).toEqual([
    [`${DIR}/dashboards/dashboards.yaml`, undefined, restartCommand(c)],
    [`${DIR}/dashboards/skriptoteket-http-metrics.json`, undefined, undefined],
    [`${DIR}/datasources/datasources.yaml`, undefined, restartCommand(c)],
  ]);
});

test("refuses a short admin password without showing it", () => {
  expect(() => checkAdminPassword("admin")).toThrow(
    "hemma:grafanaAdminPassword: at least 8 characters (value not shown)",
  );
  expect(checkAdminPassword("correct horse battery")).toBe("correct horse battery");
});
