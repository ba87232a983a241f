import { z } from "zod";
import { crossAreaIssues } from "./cross-checks";
// One import per area ...
import { appSchema } from "./app";
import { dnsSchema } from "./dns";
import { dockerSchema } from "./docker";
import { domainsSchema } from "./domains";
import { featuresSchema } from "./features";
import { hostSchema } from "./host";
import { imagesSchema } from "./images";
import { letsencryptSchema } from "./letsencrypt";
import { postgresSchema } from "./postgres";
import { proxySchema } from "./proxy";
import { sshSchema } from "./ssh";
import { edgeSchema } from "./edge";
import { observabilitySchema } from "./observability";

/**
 * The areas of the `hemma:` namespace: each key is a top-level config key (`hemma:ssh`, ...).
 * To add an area: create `config/schema/<area>.ts`, import its schema above, add one line here.
 */
export const hemmaAreas = {
  ssh: sshSchema,
  docker: dockerSchema,
  domains: domainsSchema,
  images: imagesSchema,
  app: appSchema,
  postgres: postgresSchema,
  proxy: proxySchema,
  letsencrypt: letsencryptSchema,
  features: featuresSchema,
  /** Optional: present exactly when `features.dns` is true (checked in `dnsCrossIssues`). */
  dns: dnsSchema.optional(),
  /** Edge and access hardening; every key has a default (`config/schema/edge.ts`). */
  edge: edgeSchema.prefault({}),
  /** Hemma's host setup: watchdog, crash capture, timers, backups, GPU services, host files (`config/schema/host.ts`). */
  host: hostSchema,
  /** Prometheus, Jaeger, Loki, Promtail, Grafana and their config files; every key has a default (`config/schema/observability.ts`). */
  observability: observabilitySchema.prefault({}),
};

/** Area schemas combined, without the cross-area checks (those run on raw input too; see `config/load.ts`). */
export const HemmaAreasSchema = z.strictObject(hemmaAreas);

/**
 * The whole non-secret `hemma:` config: every area, strict (unknown keys are errors), plus the
 * cross-area checks (duplicate public hostnames, `proxy.defaultHost`). Cross-area checks only run
 * here once every area parses; `config/load.ts` runs them on raw input as well so one pass reports all.
 */
export const HemmaConfigSchema = HemmaAreasSchema.superRefine((config, ctx) => {
  for (const issue of crossAreaIssues(HemmaAreasSchema, config)) {
    ctx.addIssue({ code: "custom", path: [...issue.path], input: issue.input, message: issue.message });
  }
});

/** The parsed, defaults-applied `hemma:` config the program builds from. */
export type HemmaConfig = z.output<typeof HemmaConfigSchema>;

/** Names of the top-level `hemma:` keys that hold structured (non-secret) config. */
export type HemmaArea = keyof typeof hemmaAreas;

/** The top-level `hemma:` keys that hold structured (non-secret) config, in declaration order. */
export const HEMMA_AREAS = Object.keys(hemmaAreas) as HemmaArea[];

export type { SshConfig } from "./ssh";
export type { DockerConfig } from "./docker";
export type { DomainsConfig } from "./domains";
export type { ImagesConfig } from "./images";
export type { AppConfig } from "./app";
export type { AppEnvConfig } from "./app-env";
export type { PostgresConfig } from "./postgres";
export type { ProxyConfig } from "./proxy";
export type { LetsencryptConfig } from "./letsencrypt";
export type { FeaturesConfig } from "./features";
export type { HostConfig } from "./host";
export type { EdgeConfig } from "./edge";
export type { ObservabilityConfig } from "./observability";
export type { DnsConfig, DnsRecordConfig } from "./dns";
