import { z } from "zod";
import type { CrossAreaIssue } from "./cross-checks";
import { appEnvSchema } from "./app-env";
import { edgeSchema } from "./edge";
import { absolutePathSchema, dockerNameSchema, portSchema } from "./fields";
import { isHostname, isIpv4, isIpv6 } from "./hostname";
import { pinnedImageSchema } from "./image-reference";

/** A Prometheus/Loki duration: one or more `<n><unit>` with unit ms, s, m, h, d, w or y (`30d`, `1h30m`). */
export const promDurationSchema = z
  .string({ error: "a duration such as 15s, 5m or 30d" })
  .regex(/^(?:[0-9]+(?:ms|s|m|h|d|w|y))+$/, {
    error: "a duration such as 15s, 5m or 30d (units ms s m h d w y)",
  })
  .refine((v) => /[1-9]/.test(v), { error: "a duration greater than zero" });

/** A Prometheus label value we write into YAML and PromQL: no quotes, backslashes or line breaks. */
const labelValueSchema = z.string({ error: "a label value" }).regex(/^[A-Za-z0-9_.:/-]{1,64}$/, {
  error: "a label value of letters, digits, '_', '.', ':', '/' or '-'",
});

/** Whether `address` is on the loopback interface only (127.0.0.0/8 or ::1). */
export function isLoopback(address: string): boolean {
  return (isIpv4(address) && address.startsWith("127.")) || address === "::1";
}

/**
 * A host port the service's container port is published on. Docker-published ports bypass UFW
 * (spec §2.4), so an address other than loopback makes the service reachable from the LAN.
 */
const publishSchema = z.strictObject({
  /** Host address the port binds to. Default `127.0.0.1` (docs/decisions/0100). */
  address: z
    .string({ error: "an IPv4 or IPv6 address" })
    .refine((v) => isIpv4(v) || isIpv6(v), { error: "an IPv4 or IPv6 address such as 127.0.0.1" })
    .default("127.0.0.1"),
  /** Host port. */
  port: portSchema,
  /**
   * Publish on a non-loopback address although the request reaches the service without
   * authentication (Loki, Prometheus, an anonymous Grafana). Default false: such a binding is an error.
   */
  allowUnauthenticated: z.boolean({ error: "true or false" }).default(false),
});

/** Parsed `publish` of a service. */
export type PublishConfig = z.output<typeof publishSchema>;

const enabled = z.boolean({ error: "true or false (a plain boolean: it decides which resources exist)" });
const route = z.boolean({ error: "true or false" });

/** `hemma:observability.prometheus.alerts`: thresholds of the SkriptoteketAlerts group (spec §2.4). */
const alertsSchema = z.strictObject({
  /** `SkriptoteketDown`: how long `up{job="skriptoteket"}` must be 0. Default `1m`. */
  downFor: promDurationSchema.default("1m"),
  /** `SkriptoteketHighErrorRate`: 5xx share of requests over 5 m above which it fires. Default 0.1. */
  errorRatio: z.number({ error: "a ratio 0-1" }).gt(0).lt(1).default(0.1),
  /** `SkriptoteketHighErrorRate` `for`. Default `5m`. */
  errorFor: promDurationSchema.default("5m"),
  /** `SkriptoteketHighLatency`: p99 request duration in seconds above which it fires. Default 2. */
  latencyP99Seconds: z.number({ error: "seconds > 0" }).gt(0).default(2),
  /** `SkriptoteketHighLatency` `for`. Default `5m`. */
  latencyFor: promDurationSchema.default("5m"),
  /** `SkriptoteketSessionFilesQuota`: stored session-file bytes above which it fires. Default 524288000 (500 MB). */
  sessionFilesBytes: z.number({ error: "a whole number of bytes" }).int().min(1).default(524288000),
  /** `SkriptoteketSessionFilesQuota` `for`. Default `5m`. */
  sessionFilesFor: promDurationSchema.default("5m"),
});

/** `hemma:observability.prometheus`. */
const prometheusSchema = z.strictObject({
  /** Run Prometheus. Default true. */
  enabled: enabled.default(true),
  /** Pinned image. Default `prom/prometheus:v2.48.0` (spec §2.1). */
  image: pinnedImageSchema.default("prom/prometheus:v2.48.0"),
  /** Container name, also its DNS name on the network. Default `prometheus`. */
  containerName: dockerNameSchema.default("prometheus"),
  /** Named TSDB volume at `/prometheus` (protected, retained). Default `skriptoteket-observability_prometheus_data`. */
  volume: dockerNameSchema.default("skriptoteket-observability_prometheus_data"),
  /** `--storage.tsdb.retention.time`. Default `30d`. */
  retention: promDurationSchema.default("30d"),
  /** Global scrape interval. Default `15s`. */
  scrapeInterval: promDurationSchema.default("15s"),
  /** Global rule evaluation interval. Default `15s`. */
  evaluationInterval: promDurationSchema.default("15s"),
  /** External label `cluster`. Default `home-server`. */
  cluster: labelValueSchema.default("home-server"),
  /** External label `environment`, also on the app's scrape target. Default `production`. */
  environment: labelValueSchema.default("production"),
  /** Host port for the UI/API (container port 9090). Default `127.0.0.1:9091` (docs/decisions/0102); null: none. */
  publish: publishSchema
    .nullable()
    .default({ address: "127.0.0.1", port: 9091, allowUnauthenticated: false }),
  /** Route `hemma:domains.prometheus` through nginx-proxy (needs basic auth, docs/decisions/0100). Default true. */
  route: route.default(true),
  /** Alert thresholds. */
  alerts: alertsSchema.prefault({}),
});

/** `hemma:observability.jaeger`. */
const jaegerSchema = z.strictObject({
  /** Run Jaeger (all-in-one, in-memory traces). Default true. */
  enabled: enabled.default(true),
  /** Pinned image. Default `jaegertracing/jaeger:2.1.0` (spec §2.1). */
  image: pinnedImageSchema.default("jaegertracing/jaeger:2.1.0"),
  /** Container name; the app exports to `http://<name>:4317`. Default `jaeger`. */
  containerName: dockerNameSchema.default("jaeger"),
  /** Route `hemma:domains.jaeger` (UI, port 16686) through nginx-proxy (needs basic auth). Default true. */
  route: route.default(true),
});

/** `hemma:observability.loki`. */
const lokiSchema = z.strictObject({
  /** Run Loki. Default true. */
  enabled: enabled.default(true),
  /** Pinned image. Default `grafana/loki:3.2.1` (spec §2.1). */
  image: pinnedImageSchema.default("grafana/loki:3.2.1"),
  /** Container name. Default `loki`. */
  containerName: dockerNameSchema.default("loki"),
  /** Named data volume at `/loki` (protected, retained). Default `skriptoteket-observability_loki_data`. */
  volume: dockerNameSchema.default("skriptoteket-observability_loki_data"),
  /** `limits_config.retention_period`. Default `30d`. */
  retention: promDurationSchema.default("30d"),
  /** `ingestion_rate_mb`. Default 10. */
  ingestionRateMb: z.number().positive().default(10),
  /** `ingestion_burst_size_mb`. Default 20. */
  ingestionBurstSizeMb: z.number().positive().default(20),
  /** `max_streams_per_user`. Default 10000. */
  maxStreamsPerUser: z.number().int().min(1).default(10000),
  /** `max_entries_limit_per_query`. Default 5000. */
  maxEntriesLimitPerQuery: z.number().int().min(1).default(5000),
  /**
   * Host port of the HTTP API (container port 3100). Loki runs with `auth_enabled: false`, so the
   * default is loopback, not the spec's all-interfaces binding (docs/decisions/0100); null: none.
   */
  publish: publishSchema
    .nullable()
    .default({ address: "127.0.0.1", port: 3100, allowUnauthenticated: false }),
});

/** `hemma:observability.promtail`. */
const promtailSchema = z.strictObject({
  /** Run Promtail (needs Loki). Default true. */
  enabled: enabled.default(true),
  /** Pinned image. Default `grafana/promtail:3.2.1` (spec §2.1). */
  image: pinnedImageSchema.default("grafana/promtail:3.2.1"),
  /** Container name. Default `promtail`. */
  containerName: dockerNameSchema.default("promtail"),
  /** Named volume at `/tmp` holding `positions.yaml` (protected, retained). Default `skriptoteket-observability_promtail_positions`. */
  positionsVolume: dockerNameSchema.default("skriptoteket-observability_promtail_positions"),
  /** Static label `host` on every log stream. Default `hemma`. */
  hostLabel: labelValueSchema.default("hemma"),
});

/** `hemma:observability.grafana`. */
const grafanaSchema = z.strictObject({
  /** Run Grafana. Default true. */
  enabled: enabled.default(true),
  /** Pinned image. Default `grafana/grafana:11.3.0` (spec §2.1). */
  image: pinnedImageSchema.default("grafana/grafana:11.3.0"),
  /** Container name. Default `grafana`. */
  containerName: dockerNameSchema.default("grafana"),
  /** Named data volume at `/var/lib/grafana` (protected, retained). Default `skriptoteket-observability_grafana_data`. */
  volume: dockerNameSchema.default("skriptoteket-observability_grafana_data"),
  /** `GF_SECURITY_ADMIN_USER`; the password is the secret `hemma:grafanaAdminPassword`. Default `admin`. */
  adminUser: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: "a user name of letters, digits, '.', '_' or '-'" })
    .default("admin"),
  /**
   * Anonymous Viewer access (`GF_AUTH_ANONYMOUS_ENABLED`). Default false: the spec's compose
   * enables it on a public name (docs/decisions/0101).
   */
  anonymousViewer: z.boolean({ error: "true or false" }).default(false),
  /** Host port of the UI (container port 3000). Default `127.0.0.1:3000`; null: none. */
  publish: publishSchema
    .nullable()
    .default({ address: "127.0.0.1", port: 3000, allowUnauthenticated: false }),
  /** Route `hemma:domains.grafana` through nginx-proxy (Grafana's own login). Default true. */
  route: route.default(true),
});

/**
 * `hemma:observability`: Prometheus, Jaeger, Loki, Promtail and Grafana (spec §2.4), each
 * switchable, with the config files the program renders into `configDir`
 * (docs/decisions/0100-0105). Every key has the spec's value as its default.
 */
export const observabilitySchema = z
  .strictObject({
    /**
     * Host directory holding the rendered config files, one sub-directory per service, each
     * bind-mounted read-only into its container. Default `/home/paunchygent/infrastructure/observability`
     * (docs/decisions/0104).
     */
    configDir: absolutePathSchema.default("/home/paunchygent/infrastructure/observability"),
    prometheus: prometheusSchema.prefault({}),
    jaeger: jaegerSchema.prefault({}),
    loki: lokiSchema.prefault({}),
    promtail: promtailSchema.prefault({}),
    grafana: grafanaSchema.prefault({}),
  })
  .superRefine((o, ctx) => {
    const publishes: [string, PublishConfig | null, boolean][] = [
      ["prometheus", o.prometheus.publish, true],
      ["loki", o.loki.publish, true],
      // Grafana asks for a login unless anonymous access is on.
      ["grafana", o.grafana.publish, o.grafana.anonymousViewer],
    ];
    for (const [service, publish, unauthenticated] of publishes) {
      if (!publish || !unauthenticated || isLoopback(publish.address) || publish.allowUnauthenticated)
        continue;
      ctx.addIssue({
        code: "custom",
        path: [service, "publish", "address"],
        input: publish.address,
        message:
          `a loopback address (127.0.0.1 or ::1): ${service} answers without authentication and Docker-published ports ` +
          "bypass UFW; set publish.allowUnauthenticated: true to publish it anyway (docs/decisions/0100)",
      });
    }
    const ports = publishes.flatMap(([service, p]) =>
      p ? [{ service, key: `${p.address}:${p.port}` }] : [],
    );
    for (const [i, p] of ports.entries()) {
      const first = ports.findIndex((q) => q.key === p.key);
      if (first < i)
        ctx.addIssue({
          code: "custom",
          path: [p.service, "publish", "port"],
          input: p.key,
          message: `a host address and port not already published by ${ports[first]!.service}`,
        });
    }
  });

/** Parsed `hemma:observability`. */
export type ObservabilityConfig = z.output<typeof observabilitySchema>;

/** The observability services, in start order (Grafana last: its datasources point at the others). */
export const OBSERVABILITY_SERVICES = ["prometheus", "jaeger", "loki", "promtail", "grafana"] as const;

/** One observability service. */
export type ObservabilityService = (typeof OBSERVABILITY_SERVICES)[number];

/** The services a config switches on. */
export function enabledServices(o: ObservabilityConfig): ObservabilityService[] {
  return OBSERVABILITY_SERVICES.filter((s) => o[s].enabled);
}

/** The `hemma:domains` key each routed service answers on. */
export const ROUTED_SERVICES = { prometheus: "prometheus", jaeger: "jaeger", grafana: "grafana" } as const;

/** The host part of an `http(s)://host[:port]/...` URL, or undefined. */
export function urlHost(url: string): string | undefined {
  const m = /^https?:\/\/([^/:?#]+)/.exec(url);
  return m && isHostname(m[1]!) ? m[1] : undefined;
}

/**
 * Checks between `hemma:observability` and the other areas, on raw (unparsed) values: parts that
 * do not parse are skipped (their own schema reports them).
 *
 * - A routed service that answers without a login (Prometheus, Jaeger, an anonymous Grafana)
 *   needs a basic-auth file the edge layer writes for its domain.
 * - Promtail pushes to Loki, so it needs Loki.
 * - The app exporting traces to the Jaeger container needs that container (spec §11 invariant 16),
 *   and while Jaeger runs the app exports to it.
 * - The config files are host files: an enabled service needs `features.host`.
 */
export function observabilityCrossIssues(config: unknown): CrossAreaIssue[] {
  if (!isPlainObject(config)) return [];
  const parsed = observabilitySchema.safeParse(config.observability ?? {});
  if (!parsed.success) return [];
  const o = parsed.data;
  const features = isPlainObject(config.features) ? config.features : {};
  if (features.docker !== true) return [];
  const issues: CrossAreaIssue[] = [];
  const on = enabledServices(o);
  if (on.length > 0 && features.host === false) {
    issues.push({
      path: ["features", "host"],
      input: false,
      message: `true while observability services run (${on.join(", ")}): their config files are host files`,
    });
  }
  if (o.promtail.enabled && !o.loki.enabled) {
    issues.push({
      path: ["observability", "promtail", "enabled"],
      input: true,
      message: "false while observability.loki.enabled is false: promtail only pushes to Loki",
    });
  }

  const edge = edgeSchema.safeParse(config.edge ?? {});
  const domains = isPlainObject(config.domains) ? config.domains : {};
  if (edge.success) {
    const writesAuth = features.host === true && edge.data.manage.nginx;
    for (const [service, domainKey] of Object.entries(ROUTED_SERVICES)) {
      const s = o[service as keyof typeof ROUTED_SERVICES];
      if (!s.enabled || !s.route) continue;
      if (service === "grafana" && !o.grafana.anonymousViewer) continue;
      const vhost = domains[domainKey];
      if (typeof vhost !== "string") continue;
      if (writesAuth && edge.data.basicAuth.some((b) => b.vhost === vhost)) continue;
      issues.push({
        path: ["observability", service, "route"],
        input: true,
        message:
          `false, or a basic-auth entry for ${vhost} in hemma:edge.basicAuth (written by the edge layer: ` +
          `features.host and edge.manage.nginx true): ${service} would answer without authentication on a public name ` +
          "(docs/decisions/0100)",
      });
    }
  }

  const app = isPlainObject(config.app) ? config.app : {};
  const env = appEnvSchema.safeParse(app.env ?? {});
  const tracing = env.success && env.data.otelTracingEnabled ? env.data.otelExporterOtlpEndpoint : undefined;
  if (tracing !== undefined && o.jaeger.enabled && urlHost(tracing) !== o.jaeger.containerName) {
    issues.push({
      path: ["app", "env", "otelExporterOtlpEndpoint"],
      input: tracing,
      message: `http://${o.jaeger.containerName}:4317, the Jaeger this stack runs (docs/decisions/0103)`,
    });
  }
  if (tracing !== undefined && !o.jaeger.enabled) {
    if (urlHost(tracing) === o.jaeger.containerName) {
      issues.push({
        path: ["app", "env", "otelTracingEnabled"],
        input: true,
        message:
          `false while observability.jaeger.enabled is false: the app would export traces to ${tracing}, ` +
          "which no container answers (spec §11 invariant 16, docs/decisions/0103)",
      });
    }
  }
  return issues;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
