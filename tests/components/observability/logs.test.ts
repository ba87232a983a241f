import { installMocks, T } from "../../../scripts/mock-engine";
import { Loki } from "../../../components/observability/loki";
import { PROMTAIL_HEALTHCHECK, Promtail } from "../../../components/observability/promtail";
import {
  CONTAINER_CHECKS,
  restartCommand,
  validateInContainer,
} from "../../../render/observability/commands";
import { COMMON_INPUTS, HOST_FILE, PROBE, common, file, guard } from "./fixtures";

const h = installMocks();
beforeEach(() => h.reset());
const BASE = "/home/paunchygent/infrastructure/observability";

function build(publish?: { address: string; port: number }) {
  const g = guard();
  const loki = new Loki("loki", {
    ...common(g),
    image: "grafana/loki:3.2.1",
    containerName: "loki",
    volumeName: "skriptoteket-observability_loki_data",
    configDir: `${BASE}/loki`,
    files: [file(`${BASE}/loki`, "loki-config.yaml")],
    ...(publish ? { publish } : {}),
  });
  new Promtail("promtail", {
    ...common(g),
    image: "grafana/promtail:3.2.1",
    containerName: "promtail",
    positionsVolumeName: "skriptoteket-observability_promtail_positions",
    configDir: `${BASE}/promtail`,
    files: [file(`${BASE}/promtail`, "promtail-config.yaml")],
    loki: loki.container,
  });
}

test("Loki: the spec's command, published on loopback only, data volume, config directory read-only", async () => {
  build({ address: "127.0.0.1", port: 3100 });
  await h.settle();
  expect(h.get(T.container, "loki").inputs).toEqual({
    ...COMMON_INPUTS,
    name: "loki",
    image: "grafana/loki:3.2.1",
    command: ["-config.file=/etc/loki/loki-config.yaml"],
    ports: [{ internal: 3100, external: 3100, ip: "127.0.0.1", protocol: "tcp" }],
    mounts: [
      { type: "bind", source: `${BASE}/loki`, target: "/etc/loki", readOnly: true },
      { type: "volume", source: "skriptoteket-observability_loki_data", target: "/loki" },
    ],
    healthcheck: { tests: ["CMD", "wget", "-q", "--spider", "http://localhost:3100/ready"], ...PROBE },
  });
  const f = h.get(HOST_FILE, "loki-loki-config-yaml");
  const c = { dockerBin: "/snap/bin/docker", container: "loki" };
  expect([f.inputs.path, f.inputs.validate, f.inputs.onChange]).toEqual([
    `${BASE}/loki/loki-config.yaml`,
    validateInContainer(c, CONTAINER_CHECKS.lokiConfig),
    restartCommand(c),
  ]);
});

test("Loki without a published port has none", async () => {
  build();
  await h.settle();
  expect(h.get(T.container, "loki").inputs.ports).toBeUndefined();
});

test("Promtail: reads the socket read-only, positions on a volume at /tmp, starts after Loki", async () => {
  build();
  await h.settle();
  const c = h.get(T.container, "promtail");
  expect(c.inputs).toEqual({
    ...COMMON_INPUTS,
    name: "promtail",
    image: "grafana/promtail:3.2.1",
    command: ["-config.file=/etc/promtail/promtail-config.yaml"],
    mounts: [
      { type: "bind", source: `${BASE}/promtail`, target: "/etc/promtail", readOnly: true },
      { type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true },
      { type: "volume", source: "skriptoteket-observability_promtail_positions", target: "/tmp" },
    ],
    healthcheck: { tests: [...PROMTAIL_HEALTHCHECK], ...PROBE },
  });
  expect(c.options.dependencies).toContain(h.get(T.container, "loki").urn);
  const f = h.get(HOST_FILE, "promtail-promtail-config-yaml");
  const pc = { dockerBin: "/snap/bin/docker", container: "promtail" };
  expect([f.inputs.validate, f.inputs.onChange]).toEqual([
    validateInContainer(pc, CONTAINER_CHECKS.promtailConfig),
    restartCommand(pc),
  ]);
  const vols = h.ofType(T.volume).map((v) => [v.inputs.name, v.options.protect, v.options.retainOnDelete]);
  expect(vols).toEqual([
    ["skriptoteket-observability_loki_data", true, true],
    ["skriptoteket-observability_promtail_positions", true, true],
  ]);
});
