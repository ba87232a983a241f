import { renderedHeader, toYaml } from "./yaml";

/** Where the spec's command reads the config. */
export const PROMTAIL_CONFIG_DIR = "/etc/promtail";
/** Config file name (spec: `-config.file=/etc/promtail/promtail-config.yaml`). */
export const PROMTAIL_CONFIG_FILE = "promtail-config.yaml";
/** Promtail's own HTTP port (`/ready`, `/metrics`). */
export const PROMTAIL_HTTP_PORT = 9080;
/** The positions file, on the positions volume mounted at `/tmp` (spec §2.4). */
export const PROMTAIL_POSITIONS_FILE = "/tmp/positions.yaml";

/** Methods whose access-log lines are parsed (spec §2.4): the gate of the nginx stage. */
export const ACCESS_LOG_METHODS = [
  "GET",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "HEAD",
  "OPTIONS",
  "PROPFIND",
  "CONNECT",
  "TRACE",
] as const;

/**
 * Strips forego's `nginx.1 | ` prefix and any ANSI colour codes after the pipe (RE2 syntax).
 * Greedy up to the last `|` of the prefix: access-log lines themselves contain no `|` before the request.
 */
export const FOREGO_PREFIX_RE = String.raw`^[^|]*\|\s*(?:\x1b\[[0-9;]*m)*(?P<msg>.*)$`;

/**
 * nginx-proxy's `vhost` log format (RE2 syntax):
 * `$host $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$upstream_addr"`.
 * The path is captured for the line but never made a label (unbounded cardinality).
 */
export const NGINX_VHOST_LOG_RE =
  String.raw`^(?P<vhost>\S+) (?P<client_ip>\S+) - (?P<remote_user>\S+) \[(?P<time_local>[^\]]+)\] ` +
  String.raw`"(?P<method>[A-Z]+) (?P<path>\S+) (?P<protocol>[^"]+)" (?P<status>[0-9]{3}) (?P<bytes>\S+) ` +
  String.raw`"(?P<referer>[^"]*)" "(?P<user_agent>[^"]*)" "(?P<upstream>[^"]*)"$`;

/** The labels an access-log line gets (spec §2.4); nothing else from the line. */
export const ACCESS_LOG_LABELS = ["vhost", "client_ip", "method", "status"] as const;

/** Docker label carrying the program's service name (`skriptoteket-web`), promoted to the `service` label. */
export const SERVICE_LABEL_META = "__meta_docker_container_label_education_hule_hemma_service";

/** Arguments of {@link renderPromtailConfig}. */
export interface PromtailConfigArgs {
  /** Loki push URL (`http://loki:3100/loki/api/v1/push`). */
  readonly lokiPushUrl: string;
  /** Static `host` label. */
  readonly hostLabel: string;
  /** nginx-proxy's container name: its lines take the access-log pipeline. */
  readonly proxyContainer: string;
}

/**
 * `promtail-config.yaml` (spec §2.4): Docker service discovery over the socket every 5 s, labels
 * `container`, `container_id`, `network`, `service` (the program's service label, because web
 * containers are named per commit), `job=docker`, `host`; nginx-proxy's access-log lines parsed
 * into `vhost`, `client_ip`, `method` and `status`; every other container's JSON lines into
 * `level` and `service_name`, with the correlation, trace and span ids as structured metadata.
 */
export function renderPromtailConfig(a: PromtailConfigArgs): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(a.proxyContainer))
    throw new Error(`promtail: ${a.proxyContainer} is not a container name`);
  const proxy = `{container="${a.proxyContainer}"}`;
  const config = {
    server: { http_listen_port: PROMTAIL_HTTP_PORT, grpc_listen_port: 0 },
    positions: { filename: PROMTAIL_POSITIONS_FILE },
    clients: [{ url: a.lokiPushUrl }],
    scrape_configs: [
      {
        job_name: "docker",
        docker_sd_configs: [{ host: "unix:///var/run/docker.sock", refresh_interval: "5s" }],
        relabel_configs: [
          { source_labels: ["__meta_docker_container_name"], regex: "/(.*)", target_label: "container" },
          { source_labels: ["__meta_docker_container_id"], target_label: "container_id" },
          { source_labels: ["__meta_docker_network_name"], target_label: "network" },
          { source_labels: [SERVICE_LABEL_META], regex: "(.+)", target_label: "service" },
          { target_label: "job", replacement: "docker" },
          { target_label: "host", replacement: a.hostLabel },
        ],
        pipeline_stages: [
          { docker: {} },
          {
            match: {
              selector: `${proxy} |~ "\\"(${ACCESS_LOG_METHODS.join("|")}) "`,
              stages: [
                { regex: { expression: FOREGO_PREFIX_RE } },
                { output: { source: "msg" } },
                { regex: { expression: NGINX_VHOST_LOG_RE } },
                { labels: Object.fromEntries(ACCESS_LOG_LABELS.map((l) => [l, null])) },
              ],
            },
          },
          {
            match: {
              selector: `{container!="${a.proxyContainer}"}`,
              stages: [
                {
                  json: {
                    expressions: {
                      level: "level",
                      service_name: '"service.name"',
                      correlation_id: "correlation_id",
                      trace_id: "trace_id",
                      span_id: "span_id",
                    },
                  },
                },
                { labels: { level: null, service_name: null } },
                // Ids are unbounded: metadata on the line, never stream labels.
                { structured_metadata: { correlation_id: null, trace_id: null, span_id: null } },
              ],
            },
          },
        ],
      },
    ],
  };
  return renderedHeader("hemma:observability.promtail") + toYaml(config);
}
