import { renderedHeader, toYaml } from "./yaml";

/** Loki's HTTP port (API, push, `/ready`, `/metrics`). */
export const LOKI_HTTP_PORT = 3100;
/** Loki's gRPC port (spec §2.4). */
export const LOKI_GRPC_PORT = 9096;
/** Where the spec's command reads the config. */
export const LOKI_CONFIG_DIR = "/etc/loki";
/** Config file name (spec: `-config.file=/etc/loki/loki-config.yaml`). */
export const LOKI_CONFIG_FILE = "loki-config.yaml";
/** Data directory, the volume's mount point. */
export const LOKI_DATA_PATH = "/loki";

/** Arguments of {@link renderLokiConfig}. */
export interface LokiConfigArgs {
  /** `limits_config.retention_period` (`30d`). */
  readonly retention: string;
  /** `ingestion_rate_mb`. */
  readonly ingestionRateMb: number;
  /** `ingestion_burst_size_mb`. */
  readonly ingestionBurstSizeMb: number;
  /** `max_streams_per_user`. */
  readonly maxStreamsPerUser: number;
  /** `max_entries_limit_per_query`. */
  readonly maxEntriesLimitPerQuery: number;
}

/**
 * `loki-config.yaml` (spec §2.4): single binary, filesystem storage under `/loki`, tsdb schema
 * v13 from 2024-01-01 with a 24 h index, compactor retention every 10 m with a 2 h delete
 * delay, the configured limits, analytics off. `auth_enabled: false` is the spec's; the
 * container is reachable only on hule-network and loopback (docs/decisions/0100).
 */
export function renderLokiConfig(a: LokiConfigArgs): string {
  const config = {
    auth_enabled: false,
    server: { http_listen_port: LOKI_HTTP_PORT, grpc_listen_port: LOKI_GRPC_PORT, log_level: "info" },
    common: {
      instance_addr: "127.0.0.1",
      path_prefix: LOKI_DATA_PATH,
      storage: {
        filesystem: {
          chunks_directory: `${LOKI_DATA_PATH}/chunks`,
          rules_directory: `${LOKI_DATA_PATH}/rules`,
        },
      },
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
      filesystem: { directory: `${LOKI_DATA_PATH}/chunks` },
      tsdb_shipper: {
        active_index_directory: `${LOKI_DATA_PATH}/tsdb-index`,
        cache_location: `${LOKI_DATA_PATH}/tsdb-cache`,
      },
    },
    compactor: {
      working_directory: `${LOKI_DATA_PATH}/compactor`,
      compaction_interval: "10m",
      retention_enabled: true,
      retention_delete_delay: "2h",
      delete_request_store: "filesystem",
    },
    limits_config: {
      retention_period: a.retention,
      ingestion_rate_mb: a.ingestionRateMb,
      ingestion_burst_size_mb: a.ingestionBurstSizeMb,
      max_streams_per_user: a.maxStreamsPerUser,
      max_entries_limit_per_query: a.maxEntriesLimitPerQuery,
    },
    analytics: { reporting_enabled: false },
  };
  return renderedHeader("hemma:observability.loki") + toYaml(config);
}
