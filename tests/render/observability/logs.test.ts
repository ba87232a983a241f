/**
 * Loki and Promtail configs. No registry reachable here ships Loki or Promtail (Debian's `loki`
 * is an unrelated genetics tool), so their own `-verify-config` / `-check-syntax` run only
 * inside the containers before a swap on the host; here the documents are checked key by key,
 * and promtail's regexes are run on real nginx-proxy lines.
 */
import { parse } from "yaml";
import {
  ACCESS_LOG_LABELS,
  FOREGO_PREFIX_RE,
  NGINX_VHOST_LOG_RE,
  renderPromtailConfig,
} from "../../../render/observability/promtail";
import { defaultFiles } from "./fixtures";

/** RE2 named groups `(?P<name>` as JavaScript's `(?<name>`. */
function jsRegex(re2: string): RegExp {
  return new RegExp(re2.replace(/\(\?P</g, "(?<"));
}

describe("loki-config.yaml", () => {
  it("is the spec's single-node config with the configured retention and limits", () => {
    const [file] = defaultFiles().loki;
    expect(file!.path).toBe("/home/paunchygent/infrastructure/observability/loki/loki-config.yaml");
    expect(parse(file!.content)).toEqual({
      auth_enabled: false,
      server: { http_listen_port: 3100, grpc_listen_port: 9096, log_level: "info" },
      common: {
        instance_addr: "127.0.0.1",
        path_prefix: "/loki",
        storage: { filesystem: { chunks_directory: "/loki/chunks", rules_directory: "/loki/rules" } },
        replication_factor: 1,
        ring: { kvstore: { store: "inmemory" } },
      },
      query_range: { results_cache: { cache: { embedded_cache: { enabled: true, max_size_mb: 100 } } } },
      schema_config: {
        configs: [
          {
            from: "2024-01-01",
            store: "tsdb",
            object_store: "filesystem",
            schema: "v13",
            index: { prefix: "index_", period: "24h" },
          },
        ],
      },
      storage_config: {
        filesystem: { directory: "/loki/chunks" },
        tsdb_shipper: { active_index_directory: "/loki/tsdb-index", cache_location: "/loki/tsdb-cache" },
      },
      compactor: {
        working_directory: "/loki/compactor",
        compaction_interval: "10m",
        retention_enabled: true,
        retention_delete_delay: "2h",
        delete_request_store: "filesystem",
      },
      limits_config: {
        retention_period: "30d",
        ingestion_rate_mb: 10,
        ingestion_burst_size_mb: 20,
        max_streams_per_user: 10000,
        max_entries_limit_per_query: 5000,
      },
      analytics: { reporting_enabled: false },
    });
  });

  it("takes retention and limits from config", () => {
    const [file] = defaultFiles({ loki: { retention: "14d", maxStreamsPerUser: 500 } }).loki;
    const doc = parse(file!.content);
    expect([doc.limits_config.retention_period, doc.limits_config.max_streams_per_user]).toEqual([
      "14d",
      500,
    ]);
  });
});

describe("promtail-config.yaml", () => {
  const doc = () => parse(defaultFiles().promtail[0]!.content);

  it("discovers containers over the socket every 5 s and pushes to Loki by its container name", () => {
    const d = doc();
    expect(d.server).toEqual({ http_listen_port: 9080, grpc_listen_port: 0 });
    expect(d.positions).toEqual({ filename: "/tmp/positions.yaml" });
    expect(d.clients).toEqual([{ url: "http://loki:3100/loki/api/v1/push" }]);
    expect(d.scrape_configs).toHaveLength(1);
    expect(d.scrape_configs[0].docker_sd_configs).toEqual([
      { host: "unix:///var/run/docker.sock", refresh_interval: "5s" },
    ]);
  });

  it("labels streams container, container_id, network, service, job=docker and host", () => {
    expect(doc().scrape_configs[0].relabel_configs).toEqual([
      { source_labels: ["__meta_docker_container_name"], regex: "/(.*)", target_label: "container" },
      { source_labels: ["__meta_docker_container_id"], target_label: "container_id" },
      { source_labels: ["__meta_docker_network_name"], target_label: "network" },
      {
        source_labels: ["__meta_docker_container_label_education_hule_hemma_service"],
        regex: "(.+)",
        target_label: "service",
      },
      { target_label: "job", replacement: "docker" },
      { target_label: "host", replacement: "hemma" },
    ]);
  });

  it("promotes exactly vhost, client_ip, method and status from nginx-proxy's lines, never the path", () => {
    const stages = doc().scrape_configs[0].pipeline_stages;
    expect(stages[0]).toEqual({ docker: {} });
    const nginx = stages[1].match;
    expect(nginx.selector).toBe(
      '{container="nginx-proxy"} |~ "\\"(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|PROPFIND|CONNECT|TRACE) "',
    );
    expect(nginx.stages.map((s: object) => Object.keys(s)[0])).toEqual([
      "regex",
      "output",
      "regex",
      "labels",
    ]);
    expect(Object.keys(nginx.stages[3].labels)).toEqual(["vhost", "client_ip", "method", "status"]);
    const allLabels = stages.flatMap((s: { match?: { stages: { labels?: object }[] } }) =>
      (s.match?.stages ?? []).flatMap((st) => Object.keys(st.labels ?? {})),
    );
    expect(allLabels).not.toContain("path");
    expect(allLabels.sort()).toEqual(["client_ip", "level", "method", "service_name", "status", "vhost"]);
  });

  it("parses every other container's JSON, ids as structured metadata only", () => {
    const other = doc().scrape_configs[0].pipeline_stages[2].match;
    expect(other.selector).toBe('{container!="nginx-proxy"}');
    expect(other.stages).toEqual([
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
      { structured_metadata: { correlation_id: null, trace_id: null, span_id: null } },
    ]);
  });

  const LINES = {
    plain:
      'nginx.1    | skriptoteket.hule.education 203.0.113.7 - - [01/Dec/2026:10:00:00 +0000] "GET /app/tools?id=1 HTTP/2.0" 200 512 "-" "Mozilla/5.0 (X11; Linux)" "172.18.0.5:8000"',
    coloured:
      'nginx.1    | \u001b[0mjaeger.hemma.hule.education 198.51.100.2 - admin [01/Dec/2026:10:00:01 +0000] "PROPFIND /.env HTTP/1.1" 444 0 "-" "scanner | v2" "-"',
  };

  it("strips forego's prefix and colour codes, then parses the vhost format", () => {
    const prefix = jsRegex(FOREGO_PREFIX_RE);
    const access = jsRegex(NGINX_VHOST_LOG_RE);
    const parsed = Object.values(LINES).map((line) => {
      const msg = prefix.exec(line)!.groups!.msg!;
      const g = access.exec(msg)!.groups!;
      return [...ACCESS_LOG_LABELS.map((l) => g[l]), g.path];
    });
    expect(parsed).toEqual([
      ["skriptoteket.hule.education", "203.0.113.7", "GET", "200", "/app/tools?id=1"],
      ["jaeger.hemma.hule.education", "198.51.100.2", "PROPFIND", "444", "/.env"],
    ]);
  });

  it("gates the access-log stage on a request line, so the proxy's own messages pass through", () => {
    const gate = /"(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|PROPFIND|CONNECT|TRACE) /;
    expect(Object.values(LINES).every((l) => gate.test(l))).toBe(true);
    expect(gate.test("dockergen.1 | 2026/12/01 10:00:00 Generated '/etc/nginx/conf.d/default.conf'")).toBe(
      false,
    );
  });

  it("names the proxy by its configured container, and refuses a name that would break the selector", () => {
    const args = { lokiPushUrl: "http://loki:3100/loki/api/v1/push", hostLabel: "hemma" };
    expect(
      parse(renderPromtailConfig({ ...args, proxyContainer: "edge" })).scrape_configs[0].pipeline_stages[2],
    ).toEqual(
      expect.objectContaining({ match: expect.objectContaining({ selector: '{container!="edge"}' }) }),
    );
    expect(() => renderPromtailConfig({ ...args, proxyContainer: 'x"}' })).toThrow(
      'promtail: x"} is not a container name',
    );
  });
});
