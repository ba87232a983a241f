/** The observability layer inside the whole stack, built from the committed stack files under mocks. */
import { T, envMap, valueOf } from "../../scripts/mock-engine";
import { HOST_FILE_TYPE } from "../../scripts/plan";
import { type BuiltStack, buildStack, observabilityLayerResources } from "./stack-fixture";

const STRAYS = "pulumi-nodejs:dynamic/host:StrayContainers";

function obsContainers(s: BuiltStack) {
  return s.harness.ofType(T.container).filter((c) => c.urn.includes("hemma:observability:"));
}

/** Every published port binds loopback; every routed container has a login or a basic-auth file. */
function exposureTests(get: () => BuiltStack): void {
  test("nothing without authentication is reachable beyond loopback or hule-network", () => {
    const s = get();
    const htpasswd = s.harness
      .ofType(HOST_FILE_TYPE)
      .filter((f) => f.name.startsWith("edge-nginx-htpasswd-"))
      .map((f) => (f.inputs.path as string).split("/").pop());
    for (const c of obsContainers(s)) {
      for (const p of (c.inputs.ports ?? []) as { ip: string }[])
        expect([c.name, p.ip]).toEqual([c.name, "127.0.0.1"]);
      const env = envMap(c.inputs.envs ?? []);
      if (env.VIRTUAL_HOST === undefined) continue;
      const ownLogin = c.name === "grafana" && env.GF_AUTH_ANONYMOUS_ENABLED === "false";
      expect([c.name, ownLogin || htpasswd.includes(env.VIRTUAL_HOST)]).toEqual([c.name, true]);
    }
  });

  test("a routed container is created after its vhost's basic-auth file (nginx-proxy reads it only at container events)", () => {
    const s = get();
    const files = s.harness.ofType(HOST_FILE_TYPE).filter((f) => f.name.startsWith("edge-nginx-htpasswd-"));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const vhost = (f.inputs.path as string).split("/").pop();
      const c = obsContainers(s).find((x) => envMap(x.inputs.envs ?? []).VIRTUAL_HOST === vhost)!;
      expect([c.name, c.options.dependencies.includes(f.urn)]).toEqual([c.name, true]);
    }
  });

  test("Prometheus scrapes the app by the network alias the web container answers to", () => {
    const s = get();
    const web = s.harness.get(
      T.container,
      `${s.config.app.containerName}-${s.config.app.commit.slice(0, 7)}`,
    );
    const alias = web.inputs.networksAdvanced[0].aliases[0];
    const file = s.harness
      .ofType(HOST_FILE_TYPE)
      .find((f) => (f.inputs.path as string).endsWith("/prometheus/prometheus.yml"))!;
    expect(file.inputs.content).toContain(`- ${alias}:8000\n`);
  });
}

describe("prod", () => {
  let s: BuiltStack;
  beforeAll(async () => {
    s = await buildStack("prod");
  }, 60000);

  test("declares the five services, their volumes, config files and network guards", () => {
    const files = [
      "grafana-dashboards-dashboards-yaml",
      "grafana-dashboards-skriptoteket-http-metrics-json",
      "grafana-dashboards-skriptoteket-nginx-proxy-security-json",
      "grafana-dashboards-skriptoteket-session-files-json",
      "grafana-dashboards-skriptoteket-user-activity-json",
      "grafana-datasources-datasources-yaml",
      "loki-loki-config-yaml",
      "prometheus-prometheus-yml",
      "prometheus-rules-skriptoteket-alerts-yml",
      "promtail-promtail-config-yaml",
    ];
    const services = ["prometheus", "jaeger", "loki", "promtail", "grafana"];
    const typeOf = {
      prometheus: "Prometheus",
      jaeger: "Jaeger",
      loki: "Loki",
      promtail: "Promtail",
      grafana: "Grafana",
    };
    expect(observabilityLayerResources(s.harness)).toEqual(
      [
        ...services.map((n) => `hemma:observability:${typeOf[n as keyof typeof typeOf]} ${n}`),
        ...services.map((n) => `docker:index/container:Container ${n}`),
        ...services.map((n) => `pulumi-nodejs:dynamic/host:ContainerNetworks ${n}-networks`),
        "docker:index/volume:Volume prometheus-data",
        "docker:index/volume:Volume loki-data",
        "docker:index/volume:Volume promtail-positions",
        "docker:index/volume:Volume grafana-data",
        ...files.map((f) => `pulumi-nodejs:dynamic/host:HostFile ${f}`),
      ].sort(),
    );
  });

  test("the stray guard claims the services' names, their aliases and the routed names", () => {
    const claims = s.harness.get(STRAYS, "stray-containers").inputs.claims;
    expect(claims.names).toEqual([
      "shared-postgres",
      "nginx-proxy",
      "acme-companion",
      "prometheus",
      "jaeger",
      "loki",
      "promtail",
      "grafana",
    ]);
    expect(claims.aliases.slice(2)).toEqual(
      ["prometheus", "jaeger", "loki", "promtail", "grafana"].map((alias) => ({
        network: "hule-network",
        alias,
      })),
    );
    expect(claims.virtualHosts).toEqual([
      "skriptoteket.hule.education",
      "prometheus.hemma.hule.education",
      "jaeger.hemma.hule.education",
      "grafana.hemma.hule.education",
    ]);
    for (const c of obsContainers(s))
      expect(c.options.dependencies).toContain(s.harness.get(STRAYS, "stray-containers").urn);
  });

  test("the app traces to Jaeger by its container name", () => {
    const web = s.harness.get(T.container, `skriptoteket-web-${s.config.app.commit.slice(0, 7)}`);
    const env = envMap(web.inputs.envs);
    expect([env.OTEL_TRACING_ENABLED, env.OTEL_EXPORTER_OTLP_ENDPOINT]).toEqual([
      "true",
      "http://jaeger:4317",
    ]);
  });

  test("Grafana's admin password stays secret and starts after its datasources", () => {
    const g = s.harness.get(T.container, "grafana");
    expect(g.secretPaths).toEqual(["envs"]);
    expect(envMap(g.inputs.envs).GF_SECURITY_ADMIN_PASSWORD).toBe("plansecret_grafanaAdminPassword");
    for (const d of ["prometheus", "loki", "jaeger"])
      expect(g.options.dependencies).toContain(s.harness.get(T.container, d).urn);
  });

  test("outputs: the container names and the routed URLs", async () => {
    const o = s.outputs.observability!;
    expect(Object.keys(o.containers)).toEqual(["prometheus", "jaeger", "loki", "promtail", "grafana"]);
    expect(await valueOf(o.containers.loki!)).toBe("loki");
    expect(o.urls).toEqual({
      grafana: "https://grafana.hemma.hule.education",
      prometheus: "https://prometheus.hemma.hule.education",
      jaeger: "https://jaeger.hemma.hule.education",
    });
  });

  exposureTests(() => s);
});

describe("dev", () => {
  let s: BuiltStack;
  beforeAll(async () => {
    s = await buildStack("dev");
  }, 60000);

  test("runs Prometheus only, from the stand-in image, behind the dev basic-auth file", () => {
    expect(observabilityLayerResources(s.harness)).toEqual(
      [
        "hemma:observability:Prometheus prometheus",
        "docker:index/container:Container prometheus",
        "docker:index/volume:Volume prometheus-data",
        "pulumi-nodejs:dynamic/host:ContainerNetworks prometheus-networks",
        "pulumi-nodejs:dynamic/host:HostFile prometheus-prometheus-yml",
        "pulumi-nodejs:dynamic/host:HostFile prometheus-rules-skriptoteket-alerts-yml",
      ].sort(),
    );
    expect(s.harness.get(T.container, "prometheus").inputs.image).toBe("hemma-dev/prometheus:2.42.0");
    const auth = s.harness.get(HOST_FILE_TYPE, "edge-nginx-htpasswd-prometheus-hemma-test");
    expect([auth.inputs.path, auth.inputs.content.startsWith("admin:")]).toEqual([
      "/home/paunchygent/infrastructure/htpasswd/prometheus.hemma.test",
      true,
    ]);
  });

  test("the app does not trace (no Jaeger here)", () => {
    const web = s.harness.get(T.container, `skriptoteket-web-${s.config.app.commit.slice(0, 7)}`);
    expect(envMap(web.inputs.envs).OTEL_TRACING_ENABLED).toBe("false");
  });

  test("the stray guard claims only what dev runs", () => {
    const claims = s.harness.get(STRAYS, "stray-containers").inputs.claims;
    expect(claims.names).toEqual(["shared-postgres", "nginx-proxy", "acme-companion", "prometheus"]);
    expect(claims.virtualHosts).toEqual(["skriptoteket.hemma.test", "prometheus.hemma.test"]);
  });

  exposureTests(() => s);
});
