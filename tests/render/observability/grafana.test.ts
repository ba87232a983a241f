/**
 * Grafana's provisioning: datasources with the pinned uids and their links, the dashboard
 * provider, and four dashboards whose every datasource reference exists. No Grafana binary is
 * reachable here, so the files are checked by structure and by cross-reference (spec §11
 * invariant 8), including the labels their queries use against what promtail writes.
 */
import { parse } from "yaml";
import type { RenderedFile } from "../../../render/types";
import { defaultFiles } from "./fixtures";

const DIR = "/home/paunchygent/infrastructure/observability/grafana/provisioning";

interface Ds {
  uid: string;
  type: string;
  url: string;
  jsonData: Record<string, unknown>;
}

function datasources(files: RenderedFile[]): Ds[] {
  return parse(files.find((f) => f.path.endsWith("/datasources.yaml"))!.content).datasources;
}

function dashboards(files: RenderedFile[]): Record<string, unknown>[] {
  return files.filter((f) => f.path.endsWith(".json")).map((f) => JSON.parse(f.content));
}

/** Every `uid` under a `datasource` key and every `datasourceUid`, anywhere in `value`. */
function referencedUids(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedUids);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...(k === "datasourceUid" && typeof v === "string" ? [v] : []),
    ...(k === "datasource" && typeof v === "object" && v !== null ? [(v as { uid: string }).uid] : []),
    ...referencedUids(v),
  ]);
}

/** The Loki label names a LogQL expression's stream selectors use. */
function logqlLabels(expr: string): string[] {
  return [...expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) =>
    m[1]!.split(",").map((p) => p.trim().split(/[!=~]/)[0]!),
  );
}

describe("datasources.yaml", () => {
  it("declares Prometheus (default), Loki and Jaeger with the pinned uids, by container name, read-only", () => {
    const ds = datasources(defaultFiles().grafana);
    expect(ds.map((d) => [d.uid, d.type, d.url, (d as unknown as { editable: boolean }).editable])).toEqual([
      ["prometheus", "prometheus", "http://prometheus:9090", false],
      ["loki", "loki", "http://loki:3100", false],
      ["jaeger", "jaeger", "http://jaeger:16686", false],
    ]);
    expect(ds[0]).toMatchObject({
      isDefault: true,
      jsonData: { httpMethod: "POST", prometheusVersion: "2.48.0" },
    });
    expect(ds[1]!.jsonData).toEqual({
      maxLines: 1000,
      derivedFields: [
        {
          name: "TraceID",
          matcherRegex: '"trace_id":\\s*"([a-f0-9]+)"',
          url: "$${__value.raw}",
          datasourceUid: "jaeger",
          urlDisplayLabel: "View Trace",
        },
      ],
    });
    expect(ds[2]!.jsonData).toEqual({
      tracesToLogsV2: {
        datasourceUid: "loki",
        spanStartTimeShift: "-1h",
        spanEndTimeShift: "1h",
        filterByTraceID: true,
        filterBySpanID: false,
        customQuery: true,
        query: '{service="skriptoteket-web"} |= "$${__trace.traceId}"',
      },
      tracesToMetrics: {
        datasourceUid: "prometheus",
        spanStartTimeShift: "-1h",
        spanEndTimeShift: "1h",
        tags: [{ key: "service.name", value: "service" }],
      },
    });
  });

  it("links only to datasources that exist when a service is off", () => {
    const noJaeger = datasources(defaultFiles({ jaeger: { enabled: false } }).grafana);
    expect(noJaeger.map((d) => d.uid)).toEqual(["prometheus", "loki"]);
    expect(noJaeger[1]!.jsonData).toEqual({ maxLines: 1000 });
    const noLoki = datasources(
      defaultFiles({ loki: { enabled: false }, promtail: { enabled: false } }).grafana,
    );
    expect(noLoki.map((d) => d.uid)).toEqual(["prometheus", "jaeger"]);
    expect(Object.keys(noLoki[1]!.jsonData)).toEqual(["tracesToMetrics"]);
  });

  it("tells Grafana the Prometheus version of the image tag, and nothing for a tag without one", () => {
    const custom = datasources(defaultFiles({ prometheus: { image: "registry.local/prom:stable" } }).grafana);
    expect(custom[0]!.jsonData).toEqual({ httpMethod: "POST", prometheusType: "Prometheus" });
  });
});

describe("dashboard provider", () => {
  it("is the spec's provider Skriptoteket in folder uid skriptoteket, rescanning every 30 s", () => {
    const f = defaultFiles().grafana.find((x) => x.path === `${DIR}/dashboards/dashboards.yaml`)!;
    expect(parse(f.content)).toEqual({
      apiVersion: 1,
      providers: [
        {
          name: "Skriptoteket",
          orgId: 1,
          folder: "Skriptoteket",
          folderUid: "skriptoteket",
          type: "file",
          disableDeletion: false,
          updateIntervalSeconds: 30,
          allowUiUpdates: true,
          options: { path: "/etc/grafana/provisioning/dashboards" },
        },
      ],
    });
  });
});

describe("dashboards", () => {
  it("are the spec's four, by uid, one file each named after its uid", () => {
    const files = defaultFiles().grafana.filter((f) => f.path.endsWith(".json"));
    expect(files.map((f) => f.path)).toEqual([
      `${DIR}/dashboards/skriptoteket-http-metrics.json`,
      `${DIR}/dashboards/skriptoteket-nginx-proxy-security.json`,
      `${DIR}/dashboards/skriptoteket-session-files.json`,
      `${DIR}/dashboards/skriptoteket-user-activity.json`,
    ]);
    for (const f of files) expect(f.path).toContain(`/${JSON.parse(f.content).uid}.json`);
  });

  it("reference only datasource uids the provisioning declares, in every combination of services", () => {
    const combos = [
      {},
      { jaeger: { enabled: false } },
      { loki: { enabled: false }, promtail: { enabled: false } },
      { prometheus: { enabled: false } },
      { loki: { enabled: false }, promtail: { enabled: false }, jaeger: { enabled: false } },
    ];
    for (const combo of combos) {
      const files = defaultFiles(combo).grafana;
      const declared = new Set(datasources(files).map((d) => d.uid));
      const used = [...referencedUids(datasources(files)), ...referencedUids(dashboards(files))];
      expect(used.length).toBeGreaterThan(0);
      expect([combo, used.filter((u) => !declared.has(u))]).toEqual([combo, []]);
    }
  });

  it("leave out a dashboard whose datasource is off", () => {
    const uids = (combo: object) => dashboards(defaultFiles(combo).grafana).map((d) => d.uid);
    expect(uids({ loki: { enabled: false }, promtail: { enabled: false } })).toEqual([
      "skriptoteket-http-metrics",
      "skriptoteket-session-files",
      "skriptoteket-user-activity",
    ]);
    expect(uids({ prometheus: { enabled: false } })).toEqual(["skriptoteket-nginx-proxy-security"]);
  });

  it("the nginx-proxy security dashboard has the spec's panels, on labels promtail writes", () => {
    const all = defaultFiles();
    const d = dashboards(all.grafana).find((x) => x.uid === "skriptoteket-nginx-proxy-security")!;
    const panels = d.panels as { title: string; targets: { expr: string; legendFormat: string }[] }[];
    expect(panels.map((p) => p.title)).toEqual([
      "Request rate",
      "Requests by status",
      "Top client IPs",
      "Top vhosts",
      "444 probes by pattern",
    ]);
    expect(panels[4]!.targets.map((t) => t.legendFormat)).toEqual([
      "/.env",
      ".git",
      "wp-",
      ".php",
      "cgi-bin",
      "PROPFIND",
    ]);
    const promtail = parse(all.promtail[0]!.content).scrape_configs[0];
    const written = new Set<string>([
      ...promtail.relabel_configs.map((r: { target_label: string }) => r.target_label),
      ...Object.keys(promtail.pipeline_stages[1].match.stages[3].labels),
    ]);
    const used = panels.flatMap((p) => p.targets.flatMap((t) => logqlLabels(t.expr)));
    expect([...new Set(used)].sort()).toEqual(["client_ip", "container", "method", "status", "vhost"]);
    expect(used.filter((l) => !written.has(l))).toEqual([]);
  });

  it("trace-to-logs selects the app's lines by a label promtail writes", () => {
    const all = defaultFiles();
    const query = (datasources(all.grafana)[2]!.jsonData.tracesToLogsV2 as { query: string }).query;
    const promtail = parse(all.promtail[0]!.content).scrape_configs[0];
    const written = promtail.relabel_configs.map((r: { target_label: string }) => r.target_label);
    expect(logqlLabels(query.split(" |= ")[0]!)).toEqual(["service"]);
    expect(written).toContain("service");
  });

  it("the Prometheus dashboards query only the app's metric names", () => {
    const names = new Set<string>();
    for (const d of dashboards(defaultFiles().grafana).filter(
      (x) => x.uid !== "skriptoteket-nginx-proxy-security",
    ))
      for (const p of d.panels as { targets: { expr: string }[] }[])
        for (const t of p.targets) for (const m of t.expr.matchAll(/skriptoteket_[a-z_]+/g)) names.add(m[0]);
    expect([...names].sort()).toEqual([
      "skriptoteket_http_request_duration_seconds_bucket",
      "skriptoteket_http_requests_total",
      "skriptoteket_session_files_bytes_total",
      "skriptoteket_session_files_count",
    ]);
  });
});
