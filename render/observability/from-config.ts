import type { AppConfig, ObservabilityConfig, ProxyConfig } from "../../config/schema";
import { LOKI_HTTP_PORT } from "./loki";
import { PROMETHEUS_PORT, APP_JOB } from "./prometheus";
import { JAEGER_UI_PORT } from "./jaeger";
import type { ObservabilityRenderArgs } from "./index";

/** The app's HTTP port, where it serves `/metrics`. */
export const APP_METRICS_PORT = 8000;

/** The config areas the observability files read. */
export interface ObservabilityLayerConfig {
  readonly observability: ObservabilityConfig;
  readonly app: Pick<AppConfig, "containerName">;
  readonly proxy: Pick<ProxyConfig, "containerName">;
}

/**
 * The Prometheus version Grafana's query editor is told, from the image tag (`v2.48.0` →
 * `2.48.0`); undefined when the tag carries no version.
 */
export function prometheusVersion(image: string): string | undefined {
  const tag = /:v?([0-9]+\.[0-9]+\.[0-9]+)(?:[-+@][^:]*)?$/.exec(image.split("@")[0]!);
  return tag?.[1];
}

/**
 * Renderer arguments from the stack config: services that are off render nothing; scrape
 * targets, push URL and datasource URLs use the containers' names on the network, the app's
 * target its network alias.
 */
export function observabilityRenderArgs(c: ObservabilityLayerConfig): ObservabilityRenderArgs {
  const o = c.observability;
  const p = o.prometheus;
  const lokiUrl = `http://${o.loki.containerName}:${LOKI_HTTP_PORT}`;
  return {
    configDir: o.configDir,
    ...(p.enabled
      ? {
          prometheus: {
            scrapeInterval: p.scrapeInterval,
            evaluationInterval: p.evaluationInterval,
            externalLabels: { cluster: p.cluster, environment: p.environment },
            targets: [
              {
                job: APP_JOB,
                target: `${c.app.containerName}:${APP_METRICS_PORT}`,
                labels: { service: "skriptoteket", environment: p.environment },
                scrapeInterval: p.scrapeInterval,
              },
              { job: "prometheus", target: `localhost:${PROMETHEUS_PORT}` },
              ...(o.loki.enabled
                ? [{ job: "loki", target: `${o.loki.containerName}:${LOKI_HTTP_PORT}` }]
                : []),
            ],
            alerts: p.alerts,
          },
        }
      : {}),
    ...(o.loki.enabled
      ? {
          loki: {
            retention: o.loki.retention,
            ingestionRateMb: o.loki.ingestionRateMb,
            ingestionBurstSizeMb: o.loki.ingestionBurstSizeMb,
            maxStreamsPerUser: o.loki.maxStreamsPerUser,
            maxEntriesLimitPerQuery: o.loki.maxEntriesLimitPerQuery,
          },
        }
      : {}),
    ...(o.promtail.enabled
      ? {
          promtail: {
            lokiPushUrl: `${lokiUrl}/loki/api/v1/push`,
            hostLabel: o.promtail.hostLabel,
            proxyContainer: c.proxy.containerName,
          },
        }
      : {}),
    ...(o.grafana.enabled
      ? {
          grafana: {
            datasources: {
              ...(p.enabled
                ? {
                    prometheus: {
                      url: `http://${p.containerName}:${PROMETHEUS_PORT}`,
                      ...withVersion(prometheusVersion(p.image)),
                    },
                  }
                : {}),
              ...(o.loki.enabled ? { loki: { url: lokiUrl } } : {}),
              ...(o.jaeger.enabled
                ? { jaeger: { url: `http://${o.jaeger.containerName}:${JAEGER_UI_PORT}` } }
                : {}),
              appLogSelector: `{service="${c.app.containerName}"}`,
            },
            proxyContainer: c.proxy.containerName,
            sessionFilesQuotaBytes: p.alerts.sessionFilesBytes,
          },
        }
      : {}),
  };
}

function withVersion(version: string | undefined): { version?: string } {
  return version === undefined ? {} : { version };
}
