import { DATASOURCE_UIDS } from "./grafana";

/** A datasource reference as panels and targets carry it. */
export interface DatasourceRef {
  readonly type: "prometheus" | "loki";
  readonly uid: string;
}

const PROMETHEUS: DatasourceRef = { type: "prometheus", uid: DATASOURCE_UIDS.prometheus };
const LOKI: DatasourceRef = { type: "loki", uid: DATASOURCE_UIDS.loki };

/** One query of a panel. */
interface Query {
  readonly expr: string;
  readonly legend: string;
}

/** One panel before layout. */
interface PanelSpec {
  readonly title: string;
  readonly type: "timeseries" | "stat" | "bargauge" | "table";
  readonly unit: string;
  readonly queries: readonly Query[];
  /** Instant query (tables and top-k bars) instead of a range. Default false. */
  readonly instant?: boolean;
  /** A red threshold drawn at this value. Default none. */
  readonly threshold?: number;
}

/** A dashboard as Grafana's file provider loads it. */
export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly panels: readonly Record<string, unknown>[];
  readonly [key: string]: unknown;
}

/** The four dashboards' uids (spec §2.4); bookmarks and links use them. */
export const DASHBOARD_UIDS = {
  httpMetrics: "skriptoteket-http-metrics",
  nginxProxySecurity: "skriptoteket-nginx-proxy-security",
  sessionFiles: "skriptoteket-session-files",
  userActivity: "skriptoteket-user-activity",
} as const;

/** Two panels per row, 12 columns wide, 8 high. */
function layout(ds: DatasourceRef, specs: readonly PanelSpec[]): Record<string, unknown>[] {
  return specs.map((p, i) => ({
    id: i + 1,
    title: p.title,
    type: p.type,
    datasource: ds,
    gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
    fieldConfig: {
      defaults: {
        unit: p.unit,
        ...(p.threshold === undefined
          ? {}
          : {
              thresholds: {
                mode: "absolute",
                steps: [
                  { color: "green", value: null },
                  { color: "red", value: p.threshold },
                ],
              },
              custom: { thresholdsStyle: { mode: "line" } },
            }),
      },
      overrides: [],
    },
    options: {},
    targets: p.queries.map((q, j) => ({
      refId: String.fromCharCode(65 + j),
      datasource: ds,
      expr: q.expr,
      legendFormat: q.legend,
      ...(p.instant ? { instant: true, range: false } : { range: true }),
      ...(ds.type === "loki" && p.instant ? { queryType: "instant" } : {}),
    })),
  }));
}

function dashboard(uid: string, title: string, tags: string[], panels: Record<string, unknown>[]): Dashboard {
  return {
    uid,
    title,
    tags: ["skriptoteket", ...tags],
    editable: true,
    schemaVersion: 39,
    version: 1,
    refresh: "30s",
    time: { from: "now-6h", to: "now" },
    timezone: "browser",
    templating: { list: [] },
    annotations: { list: [] },
    panels,
  };
}

/** Request rates, error share and latency quantiles of the app's HTTP metrics. */
export function httpMetricsDashboard(): Dashboard {
  const rate = "rate(skriptoteket_http_requests_total[5m])";
  const quantile = (q: number) =>
    `histogram_quantile(${q}, sum by (le) (rate(skriptoteket_http_request_duration_seconds_bucket[5m])))`;
  return dashboard(
    DASHBOARD_UIDS.httpMetrics,
    "Skriptoteket HTTP Metrics",
    ["http"],
    layout(PROMETHEUS, [
      {
        title: "Requests per second by status",
        type: "timeseries",
        unit: "reqps",
        queries: [{ expr: `sum by (status_code) (${rate})`, legend: "{{status_code}}" }],
      },
      {
        title: "5xx share of requests",
        type: "timeseries",
        unit: "percentunit",
        queries: [
          {
            expr: `sum(rate(skriptoteket_http_requests_total{status_code=~"5.."}[5m])) / sum(${rate})`,
            legend: "5xx",
          },
        ],
      },
      {
        title: "Latency p50 / p95 / p99",
        type: "timeseries",
        unit: "s",
        queries: [
          { expr: quantile(0.5), legend: "p50" },
          { expr: quantile(0.95), legend: "p95" },
          { expr: quantile(0.99), legend: "p99" },
        ],
      },
      {
        title: "Requests per second by endpoint",
        type: "timeseries",
        unit: "reqps",
        queries: [{ expr: `sum by (endpoint) (${rate})`, legend: "{{endpoint}}" }],
      },
    ]),
  );
}

/**
 * Paths nginx-proxy drops with 444 that the dashboard watches (spec §4 monitoring filters), as
 * LogQL line filters; PROPFIND is watched by its `method` label.
 */
export const PROBE_PATTERNS: readonly { readonly name: string; readonly filter: string }[] = [
  { name: "/.env", filter: String.raw`|~ "/\\.env"` },
  { name: ".git", filter: String.raw`|~ "\\.git"` },
  { name: "wp-", filter: String.raw`|~ "(?i)wp-"` },
  { name: ".php", filter: String.raw`|~ "\\.php"` },
  { name: "cgi-bin", filter: `|= "cgi-bin"` },
];

/**
 * nginx-proxy's access log from Loki (labels from promtail's access-log stage): request rate,
 * status codes, top client IPs, top vhosts and 444 probes by pattern.
 */
export function nginxProxySecurityDashboard(proxyContainer: string): Dashboard {
  const sel = (extra = "") => `{container="${proxyContainer}"${extra}}`;
  const probes = sel(', status="444"');
  return dashboard(
    DASHBOARD_UIDS.nginxProxySecurity,
    "Skriptoteket nginx-proxy Security",
    ["nginx", "security"],
    layout(LOKI, [
      {
        title: "Request rate",
        type: "timeseries",
        unit: "reqps",
        queries: [{ expr: `sum(rate(${sel(', status=~".+"')}[5m]))`, legend: "requests" }],
      },
      {
        title: "Requests by status",
        type: "timeseries",
        unit: "reqps",
        queries: [{ expr: `sum by (status) (rate(${sel(', status=~".+"')}[5m]))`, legend: "{{status}}" }],
      },
      {
        title: "Top client IPs",
        type: "bargauge",
        unit: "short",
        instant: true,
        queries: [
          {
            expr: `topk(10, sum by (client_ip) (count_over_time(${sel(', client_ip=~".+"')}[$__range])))`,
            legend: "{{client_ip}}",
          },
        ],
      },
      {
        title: "Top vhosts",
        type: "bargauge",
        unit: "short",
        instant: true,
        queries: [
          {
            expr: `topk(10, sum by (vhost) (count_over_time(${sel(', vhost=~".+"')}[$__range])))`,
            legend: "{{vhost}}",
          },
        ],
      },
      {
        title: "444 probes by pattern",
        type: "timeseries",
        unit: "short",
        queries: [
          ...PROBE_PATTERNS.map((p) => ({
            expr: `sum(count_over_time(${probes} ${p.filter} [5m]))`,
            legend: p.name,
          })),
          { expr: `sum(count_over_time(${sel(', method="PROPFIND"')}[5m]))`, legend: "PROPFIND" },
        ],
      },
    ]),
  );
}

/** Stored session files against the quota the alert watches. */
export function sessionFilesDashboard(quotaBytes: number): Dashboard {
  return dashboard(
    DASHBOARD_UIDS.sessionFiles,
    "Skriptoteket Session Files",
    ["storage"],
    layout(PROMETHEUS, [
      {
        title: "Session file bytes",
        type: "timeseries",
        unit: "bytes",
        threshold: quotaBytes,
        queries: [{ expr: "skriptoteket_session_files_bytes_total", legend: "bytes" }],
      },
      {
        title: "Session files",
        type: "timeseries",
        unit: "short",
        queries: [{ expr: "skriptoteket_session_files_count", legend: "files" }],
      },
      {
        title: "Share of quota used",
        type: "stat",
        unit: "percentunit",
        queries: [{ expr: `skriptoteket_session_files_bytes_total / ${quotaBytes}`, legend: "used" }],
      },
    ]),
  );
}

/** What users do, read from the request counter: which endpoints and methods, and logins. */
export function userActivityDashboard(): Dashboard {
  const rate = "rate(skriptoteket_http_requests_total[5m])";
  return dashboard(
    DASHBOARD_UIDS.userActivity,
    "Skriptoteket User Activity",
    ["user-activity"],
    layout(PROMETHEUS, [
      {
        title: "Top endpoints (requests in range)",
        type: "bargauge",
        unit: "short",
        instant: true,
        queries: [
          {
            expr: "topk(10, sum by (endpoint) (increase(skriptoteket_http_requests_total[$__range])))",
            legend: "{{endpoint}}",
          },
        ],
      },
      {
        title: "Requests per second by method",
        type: "timeseries",
        unit: "reqps",
        queries: [{ expr: `sum by (method) (${rate})`, legend: "{{method}}" }],
      },
      {
        title: "Login requests per second by status",
        type: "timeseries",
        unit: "reqps",
        queries: [
          {
            expr: 'sum by (status_code) (rate(skriptoteket_http_requests_total{endpoint=~".*login.*"}[5m]))',
            legend: "{{status_code}}",
          },
        ],
      },
    ]),
  );
}

/** Dashboards whose datasource exists: the Loki one only with Loki, the others only with Prometheus. */
export function dashboards(a: {
  readonly prometheus: boolean;
  readonly loki: boolean;
  readonly proxyContainer: string;
  readonly sessionFilesQuotaBytes: number;
}): Dashboard[] {
  return [
    ...(a.prometheus ? [httpMetricsDashboard()] : []),
    ...(a.loki ? [nginxProxySecurityDashboard(a.proxyContainer)] : []),
    ...(a.prometheus ? [sessionFilesDashboard(a.sessionFilesQuotaBytes), userActivityDashboard()] : []),
  ];
}

/** Dashboard JSON as written to disk. */
export function renderDashboard(d: Dashboard): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}
