import { installMocks, T } from "../../../scripts/mock-engine";
import { Prometheus } from "../../../components/observability/prometheus";
import {
  prometheusReloadCommand,
  validateInContainer,
  CONTAINER_CHECKS,
} from "../../../render/observability/commands";
import { COMMON_INPUTS, HOST_FILE, NETWORKS, PROBE, common, file, guard } from "./fixtures";

const h = installMocks();
beforeEach(() => h.reset());
const DIR = "/home/paunchygent/infrastructure/observability/prometheus";
const C = { dockerBin: "/snap/bin/docker", container: "prometheus" };

function build(extra: object = {}) {
  const g = guard();
  return new Prometheus("prometheus", {
    ...common(g),
    image: "prom/prometheus:v2.48.0",
    containerName: "prometheus",
    volumeName: "skriptoteket-observability_prometheus_data",
    retention: "30d",
    configDir: DIR,
    files: [file(DIR, "prometheus.yml"), file(DIR, "rules/skriptoteket-alerts.yml")],
    publish: { address: "127.0.0.1", port: 9091 },
    domain: "prometheus.hemma.hule.education",
    ...extra,
  });
}

test("the container has the spec's command, loopback port, route, mounts and healthcheck", async () => {
  build();
  await h.settle();
  const c = h.get(T.container, "prometheus");
  expect(c.inputs).toEqual({
    ...COMMON_INPUTS,
    name: "prometheus",
    image: "prom/prometheus:v2.48.0",
    command: [
      "--config.file=/etc/prometheus/prometheus.yml",
      "--storage.tsdb.path=/prometheus",
      "--storage.tsdb.retention.time=30d",
      "--web.enable-lifecycle",
      "--web.external-url=https://prometheus.hemma.hule.education",
    ],
    envs: [
      "VIRTUAL_HOST=prometheus.hemma.hule.education",
      "VIRTUAL_PORT=9090",
      "LETSENCRYPT_HOST=prometheus.hemma.hule.education",
    ],
    ports: [{ internal: 9090, external: 9091, ip: "127.0.0.1", protocol: "tcp" }],
    mounts: [
      { type: "bind", source: DIR, target: "/etc/prometheus", readOnly: true },
      { type: "volume", source: "skriptoteket-observability_prometheus_data", target: "/prometheus" },
    ],
    healthcheck: { tests: ["CMD", "wget", "-q", "--spider", "http://localhost:9090/-/healthy"], ...PROBE },
  });
  expect(c.options.deleteBeforeReplace).toBe(true);
});

test("without a route or a published port: no proxy env, no external URL, no ports", async () => {
  build({ publish: undefined, domain: undefined });
  await h.settle();
  const c = h.get(T.container, "prometheus");
  expect(c.inputs.envs).toEqual([]);
  expect(c.inputs.ports).toBeUndefined();
  expect(c.inputs.command).not.toContainEqual(expect.stringMatching(/^--web.external-url/));
});

test("config files are host files checked by promtool in the container and applied by /-/reload", async () => {
  build();
  await h.settle();
  const files = h
    .ofType(HOST_FILE)
    .map((f) => [
      f.name,
      f.inputs.path,
      f.inputs.mode,
      f.inputs.validate,
      f.inputs.onChange,
      f.inputs.createDirectories,
    ]);
  expect(files.sort()).toEqual([
    [
      "prometheus-prometheus-yml",
      `${DIR}/prometheus.yml`,
      "0644",
      validateInContainer(C, CONTAINER_CHECKS.prometheusConfig),
      prometheusReloadCommand(C),
      true,
    ],
    [
      "prometheus-rules-skriptoteket-alerts-yml",
      `${DIR}/rules/skriptoteket-alerts.yml`,
      "0644",
      validateInContainer(C, CONTAINER_CHECKS.prometheusRules),
      prometheusReloadCommand(C),
      true,
    ],
  ]);
  for (const f of h.ofType(HOST_FILE))
    expect(f.secretPaths).toEqual(expect.arrayContaining(["connection", "content"]));
});

test("the container waits for its files and the guard; the volume is protected and retained; all parented", async () => {
  build();
  await h.settle();
  const c = h.get(T.container, "prometheus");
  for (const dep of [...h.ofType(HOST_FILE), h.get(T.network, "guard"), h.get(T.volume, "prometheus-data")])
    expect(c.options.dependencies).toContain(dep.urn);
  const v = h.get(T.volume, "prometheus-data");
  expect([v.inputs, v.options.protect, v.options.retainOnDelete]).toEqual([
    { name: "skriptoteket-observability_prometheus_data" },
    true,
    true,
  ]);
  const comp = h.get("hemma:observability:Prometheus", "prometheus");
  for (const r of [c, v, h.get(NETWORKS, "prometheus-networks"), ...h.ofType(HOST_FILE)])
    expect(r.options.parent).toBe(comp.urn);
  expect(h.get(NETWORKS, "prometheus-networks").inputs.networks).toEqual([
    { name: "hule-network", aliases: [] },
  ]);
});

test("a file outside the service's directory is refused", () => {
  expect(() => build({ files: [file("/etc", "prometheus.yml")] })).toThrow(
    `prometheus: /etc/prometheus.yml is not under the service's config directory ${DIR}`,
  );
});
