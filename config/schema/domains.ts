import { z } from "zod";
import { publicHostnameSchema } from "./hostname";

/** `hemma:domains`: the public names this host serves. Every value takes part in the duplicate check. */
export const domainsSchema = z.strictObject({
  /** Skriptoteket's public name (`skriptoteket.hule.education`). */
  app: publicHostnameSchema,
  /** Grafana's public name (`grafana.hemma.hule.education`). */
  grafana: publicHostnameSchema,
  /** Prometheus's public name (`prometheus.hemma.hule.education`). */
  prometheus: publicHostnameSchema,
  /** Jaeger's public name (`jaeger.hemma.hule.education`). */
  jaeger: publicHostnameSchema,
  /** The host's own public name, kept current by DDNS (`hemma.hule.education`). */
  host: publicHostnameSchema,
});

/** Parsed `hemma:domains`. */
export type DomainsConfig = z.output<typeof domainsSchema>;
