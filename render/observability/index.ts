import type { RenderedFile } from "../types";
import { dashboards, renderDashboard } from "./dashboards";
import { renderDashboardProvider, renderDatasources, type DatasourcesArgs } from "./grafana";
import { LOKI_CONFIG_FILE, renderLokiConfig, type LokiConfigArgs } from "./loki";
import {
  ALERT_RULES_FILE,
  renderAlertRules,
  renderPrometheusConfig,
  type AlertThresholds,
  type PrometheusConfigArgs,
} from "./prometheus";
import { PROMTAIL_CONFIG_FILE, renderPromtailConfig, type PromtailConfigArgs } from "./promtail";

/** The services that read rendered config files (Jaeger reads none). */
export type ConfiguredService = "prometheus" | "loki" | "promtail" | "grafana";

/** Everything the observability config files are rendered from; a service that is off is absent. */
export interface ObservabilityRenderArgs {
  /** Host directory holding one sub-directory per service. */
  readonly configDir: string;
  /** Prometheus: its config and the alert thresholds. */
  readonly prometheus?: PrometheusConfigArgs & { readonly alerts: AlertThresholds };
  /** Loki. */
  readonly loki?: LokiConfigArgs;
  /** Promtail. */
  readonly promtail?: PromtailConfigArgs;
  /** Grafana: datasources and what the dashboards need. */
  readonly grafana?: {
    readonly datasources: DatasourcesArgs;
    readonly proxyContainer: string;
    readonly sessionFilesQuotaBytes: number;
  };
}

/** The rendered files of each service; an absent service renders nothing. */
export type ObservabilityFiles = Record<ConfiguredService, RenderedFile[]>;

/**
 * The host directory of one service's files, bind-mounted read-only as a whole (a file bind
 * mount would keep the old inode after the atomic swap; docs/decisions/0104).
 */
export function serviceConfigDir(configDir: string, service: ConfiguredService): string {
  return service === "grafana" ? `${configDir}/grafana/provisioning` : `${configDir}/${service}`;
}

function file(path: string, content: string): RenderedFile {
  return { path, content, mode: "0644", kind: "config" };
}

/** Renders every config file of the services that run. Pure. */
export function renderObservability(a: ObservabilityRenderArgs): ObservabilityFiles {
  const dir = (s: ConfiguredService) => serviceConfigDir(a.configDir, s);
  const out: ObservabilityFiles = { prometheus: [], loki: [], promtail: [], grafana: [] };
  if (a.prometheus) {
    out.prometheus.push(
      file(`${dir("prometheus")}/prometheus.yml`, renderPrometheusConfig(a.prometheus)),
      file(`${dir("prometheus")}/rules/${ALERT_RULES_FILE}`, renderAlertRules(a.prometheus.alerts)),
    );
  }
  if (a.loki) out.loki.push(file(`${dir("loki")}/${LOKI_CONFIG_FILE}`, renderLokiConfig(a.loki)));
  if (a.promtail)
    out.promtail.push(file(`${dir("promtail")}/${PROMTAIL_CONFIG_FILE}`, renderPromtailConfig(a.promtail)));
  if (a.grafana) {
    const g = a.grafana;
    out.grafana.push(
      file(`${dir("grafana")}/datasources/datasources.yaml`, renderDatasources(g.datasources)),
      file(`${dir("grafana")}/dashboards/dashboards.yaml`, renderDashboardProvider()),
      ...dashboards({
        prometheus: g.datasources.prometheus !== undefined,
        loki: g.datasources.loki !== undefined,
        proxyContainer: g.proxyContainer,
        sessionFilesQuotaBytes: g.sessionFilesQuotaBytes,
      }).map((d) => file(`${dir("grafana")}/dashboards/${d.uid}.json`, renderDashboard(d))),
    );
  }
  return out;
}

/** All files, in service order; throws on two files at one path. */
export function allObservabilityFiles(files: ObservabilityFiles): RenderedFile[] {
  const all = [...files.prometheus, ...files.loki, ...files.promtail, ...files.grafana];
  const seen = new Set<string>();
  for (const f of all) {
    if (seen.has(f.path)) throw new Error(`two observability files at ${f.path}`);
    seen.add(f.path);
  }
  return all;
}
