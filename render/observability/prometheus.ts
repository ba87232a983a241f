import { renderedHeader, toYaml } from "./yaml";

/** The port Prometheus listens on inside its container (and on the network). */
export const PROMETHEUS_PORT = 9090;
/** Where the image and the spec's command expect the config and the rules. */
export const PROMETHEUS_CONFIG_DIR = "/etc/prometheus";
/** The rule group the spec names. */
export const ALERT_GROUP = "SkriptoteketAlerts";
/** File name of the rule group under `rules/`. */
export const ALERT_RULES_FILE = "skriptoteket-alerts.yml";

/** One static scrape target. */
export interface ScrapeTarget {
  /** `job_name`. */
  readonly job: string;
  /** `host:port`. */
  readonly target: string;
  /** Target labels. Default none. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Per-job scrape interval. Default: the global one. */
  readonly scrapeInterval?: string;
}

/** Arguments of {@link renderPrometheusConfig}. */
export interface PrometheusConfigArgs {
  /** Global scrape interval (`15s`). */
  readonly scrapeInterval: string;
  /** Global rule evaluation interval (`15s`). */
  readonly evaluationInterval: string;
  /** External labels (`cluster`, `environment`). */
  readonly externalLabels: Readonly<Record<string, string>>;
  /** Glob of the rule files as Prometheus sees it. Default `/etc/prometheus/rules/*.yml`. */
  readonly ruleFilesGlob?: string;
  /** Scrape jobs, in order. */
  readonly targets: readonly ScrapeTarget[];
}

/**
 * `prometheus.yml` (spec §2.4): global intervals and external labels, the rule files, one
 * static job per target. No `alerting` block: hemma has no Alertmanager, alerts show in the UI
 * and in Grafana.
 */
export function renderPrometheusConfig(a: PrometheusConfigArgs): string {
  const jobs = new Set<string>();
  for (const t of a.targets) {
    if (jobs.has(t.job)) throw new Error(`prometheus.yml: job ${t.job} appears twice`);
    jobs.add(t.job);
    if (!/^[A-Za-z0-9_.-]+:[0-9]{1,5}$/.test(t.target))
      throw new Error(`prometheus.yml: target ${t.target} of job ${t.job} is not host:port`);
  }
  const config = {
    global: {
      scrape_interval: a.scrapeInterval,
      evaluation_interval: a.evaluationInterval,
      external_labels: { ...a.externalLabels },
    },
    rule_files: [a.ruleFilesGlob ?? `${PROMETHEUS_CONFIG_DIR}/rules/*.yml`],
    scrape_configs: a.targets.map((t) => ({
      job_name: t.job,
      ...(t.scrapeInterval ? { scrape_interval: t.scrapeInterval } : {}),
      metrics_path: "/metrics",
      static_configs: [{ targets: [t.target], ...(t.labels ? { labels: { ...t.labels } } : {}) }],
    })),
  };
  return renderedHeader("hemma:observability.prometheus") + toYaml(config);
}

/** Thresholds and durations of the four alerts (`hemma:observability.prometheus.alerts`). */
export interface AlertThresholds {
  readonly downFor: string;
  readonly errorRatio: number;
  readonly errorFor: string;
  readonly latencyP99Seconds: number;
  readonly latencyFor: string;
  readonly sessionFilesBytes: number;
  readonly sessionFilesFor: string;
}

/** One alerting rule as Prometheus reads it. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: "critical" | "warning" };
  readonly annotations: { readonly summary: string; readonly description: string };
}

/** The scrape job of the app; `SkriptoteketDown` watches its `up`. */
export const APP_JOB = "skriptoteket";

/**
 * The `SkriptoteketAlerts` rules (spec §2.4) over the app's metrics
 * (`skriptoteket_http_requests_total{status_code}`, the request-duration histogram and
 * `skriptoteket_session_files_bytes_total`), thresholds from config.
 */
export function alertRules(t: AlertThresholds): AlertRule[] {
  const mb = Math.round(t.sessionFilesBytes / 1048576);
  return [
    {
      alert: "SkriptoteketDown",
      expr: `up{job="${APP_JOB}"} == 0`,
      for: t.downFor,
      labels: { severity: "critical" },
      annotations: {
        summary: "Skriptoteket is down",
        description: `Prometheus has not reached skriptoteket-web's /metrics for ${t.downFor}.`,
      },
    },
    {
      alert: "SkriptoteketHighErrorRate",
      expr:
        'sum(rate(skriptoteket_http_requests_total{status_code=~"5.."}[5m])) / ' +
        `sum(rate(skriptoteket_http_requests_total[5m])) > ${t.errorRatio}`,
      for: t.errorFor,
      labels: { severity: "warning" },
      annotations: {
        summary: `More than ${Number((t.errorRatio * 100).toFixed(4))}% of requests answer 5xx`,
        description: `The 5xx share of requests over 5 minutes has been above ${t.errorRatio} for ${t.errorFor}.`,
      },
    },
    {
      alert: "SkriptoteketHighLatency",
      expr:
        "histogram_quantile(0.99, sum by (le) (rate(skriptoteket_http_request_duration_seconds_bucket[5m]))) > " +
        `${t.latencyP99Seconds}`,
      for: t.latencyFor,
      labels: { severity: "warning" },
      annotations: {
        summary: `p99 latency above ${t.latencyP99Seconds} s`,
        description: `The 99th percentile request duration has been above ${t.latencyP99Seconds} s for ${t.latencyFor}.`,
      },
    },
    {
      alert: "SkriptoteketSessionFilesQuota",
      expr: `skriptoteket_session_files_bytes_total > ${t.sessionFilesBytes}`,
      for: t.sessionFilesFor,
      labels: { severity: "warning" },
      annotations: {
        summary: `Session files exceed ${mb} MB`,
        description: `Stored session files have been above ${t.sessionFilesBytes} bytes for ${t.sessionFilesFor}.`,
      },
    },
  ];
}

/** `rules/skriptoteket-alerts.yml`: the one rule group. */
export function renderAlertRules(t: AlertThresholds): string {
  return (
    renderedHeader("hemma:observability.prometheus.alerts") +
    toYaml({ groups: [{ name: ALERT_GROUP, rules: alertRules(t) }] })
  );
}
