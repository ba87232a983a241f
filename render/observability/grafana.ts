import { renderedHeader, toYaml } from "./yaml";

/** Grafana's HTTP port. */
export const GRAFANA_PORT = 3000;
/** The provisioning directory the image reads (spec §2.4 bind-mounts it read-only). */
export const GRAFANA_PROVISIONING_DIR = "/etc/grafana/provisioning";
/** Where the dashboard provider looks for dashboard JSON. */
export const GRAFANA_DASHBOARDS_DIR = `${GRAFANA_PROVISIONING_DIR}/dashboards`;

/**
 * The datasource uids dashboards, derived fields and trace links point at. Pinned: Grafana ↔
 * Loki ↔ Jaeger correlation depends on them (spec §11 invariant 8).
 */
export const DATASOURCE_UIDS = { prometheus: "prometheus", loki: "loki", jaeger: "jaeger" } as const;

/** One datasource as `datasources.yaml` declares it. */
export interface Datasource {
  readonly name: string;
  readonly uid: string;
  readonly type: string;
  readonly access: "proxy";
  readonly url: string;
  readonly isDefault?: boolean;
  readonly editable: false;
  readonly jsonData: Record<string, unknown>;
}

/** Arguments of {@link grafanaDatasources}: each present when its service runs. */
export interface DatasourcesArgs {
  /** Prometheus URL on the network and its version (for the query editor), when Prometheus runs. */
  readonly prometheus?: { readonly url: string; readonly version?: string };
  /** Loki URL, when Loki runs. */
  readonly loki?: { readonly url: string };
  /** Jaeger query URL, when Jaeger runs. */
  readonly jaeger?: { readonly url: string };
  /** LogQL stream selector of the app's lines, for trace-to-logs (`{service="skriptoteket-web"}`). */
  readonly appLogSelector: string;
}

/**
 * The datasources (spec §2.4): Prometheus (default, POST), Loki with a `TraceID` derived field
 * linking to Jaeger, Jaeger with trace-to-logs (±1 h) and trace-to-metrics links; all
 * non-editable. A link is rendered only when its target datasource exists.
 */
export function grafanaDatasources(a: DatasourcesArgs): Datasource[] {
  const out: Datasource[] = [];
  if (a.prometheus) {
    out.push({
      name: "Prometheus",
      uid: DATASOURCE_UIDS.prometheus,
      type: "prometheus",
      access: "proxy",
      url: a.prometheus.url,
      isDefault: true,
      editable: false,
      jsonData: {
        httpMethod: "POST",
        prometheusType: "Prometheus",
        ...(a.prometheus.version ? { prometheusVersion: a.prometheus.version } : {}),
      },
    });
  }
  if (a.loki) {
    out.push({
      name: "Loki",
      uid: DATASOURCE_UIDS.loki,
      type: "loki",
      access: "proxy",
      url: a.loki.url,
      editable: false,
      jsonData: {
        maxLines: 1000,
        ...(a.jaeger
          ? {
              derivedFields: [
                {
                  name: "TraceID",
                  matcherRegex: String.raw`"trace_id":\s*"([a-f0-9]+)"`,
                  // `$$` keeps Grafana's provisioning from expanding it as an environment variable.
                  url: "$${__value.raw}",
                  datasourceUid: DATASOURCE_UIDS.jaeger,
                  urlDisplayLabel: "View Trace",
                },
              ],
            }
          : {}),
      },
    });
  }
  if (a.jaeger) {
    out.push({
      name: "Jaeger",
      uid: DATASOURCE_UIDS.jaeger,
      type: "jaeger",
      access: "proxy",
      url: a.jaeger.url,
      editable: false,
      jsonData: {
        ...(a.loki
          ? {
              tracesToLogsV2: {
                datasourceUid: DATASOURCE_UIDS.loki,
                spanStartTimeShift: "-1h",
                spanEndTimeShift: "1h",
                filterByTraceID: true,
                filterBySpanID: false,
                customQuery: true,
                query: `${a.appLogSelector} |= "$\${__trace.traceId}"`,
              },
            }
          : {}),
        ...(a.prometheus
          ? {
              tracesToMetrics: {
                datasourceUid: DATASOURCE_UIDS.prometheus,
                spanStartTimeShift: "-1h",
                spanEndTimeShift: "1h",
                tags: [{ key: "service.name", value: "service" }],
              },
            }
          : {}),
      },
    });
  }
  return out;
}

/** `provisioning/datasources/datasources.yaml`. */
export function renderDatasources(a: DatasourcesArgs): string {
  return (
    renderedHeader("hemma:observability (the services that run)") +
    toYaml({ apiVersion: 1, datasources: grafanaDatasources(a) })
  );
}

/**
 * `provisioning/dashboards/dashboards.yaml` (spec §2.4): provider `Skriptoteket`, folder uid
 * `skriptoteket`, files from the provisioning directory rescanned every 30 s, UI edits allowed,
 * deletion not disabled.
 */
export function renderDashboardProvider(): string {
  return (
    renderedHeader("hemma:observability.grafana") +
    toYaml({
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
          options: { path: GRAFANA_DASHBOARDS_DIR },
        },
      ],
    })
  );
}
