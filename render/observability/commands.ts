import { shellQuote } from "../../providers/shell";
import { PROMETHEUS_PORT } from "./prometheus";

/** Where a service runs: the docker CLI on the host and the container's name. */
export interface ServiceContainer {
  /** Absolute path of the docker CLI on the host. */
  readonly dockerBin: string;
  /** Container name. */
  readonly container: string;
}

/** `if <container is running>; then <command>; fi`: nothing to check or reload before the first create. */
function whenRunning(c: ServiceContainer, command: string): string {
  const d = shellQuote(c.dockerBin);
  const n = shellQuote(c.container);
  return `if [ "$(${d} inspect -f '{{.State.Running}}' ${n} 2>/dev/null)" = true ]; then ${command}; fi`;
}

/**
 * A HostFile `validate` command: the staged file (`{}`) is copied into the running container and
 * checked there by the service's own binary, `check` given the copy's path as `$t`. When the
 * container is not running (the first create) the file is accepted: the container's healthcheck
 * then fails the `up` on a bad file.
 */
export function validateInContainer(c: ServiceContainer, check: string): string {
  const script = ["set -e", "t=$(mktemp)", "trap 'rm -f \"$t\"' EXIT", 'cat > "$t"', check].join("\n");
  return whenRunning(
    c,
    `${shellQuote(c.dockerBin)} exec -i ${shellQuote(c.container)} sh -c ${shellQuote(script)} hemma-validate < {}`,
  );
}

/** The check of each config file kind, run on `$t` inside the service's container. */
export const CONTAINER_CHECKS = {
  prometheusConfig: 'promtool check config "$t"',
  prometheusRules: 'promtool check rules "$t"',
  lokiConfig: 'loki -verify-config -config.file="$t"',
  promtailConfig: 'promtail -check-syntax -config.file="$t"',
} as const;

/**
 * Prometheus's `onChange`: `POST /-/reload` (the spec's `--web.enable-lifecycle`) from inside
 * the container. A config Prometheus refuses answers 500, wget exits non-zero and the `up`
 * fails, while Prometheus keeps running on its previous config.
 */
export function prometheusReloadCommand(c: ServiceContainer): string {
  return whenRunning(
    c,
    `${shellQuote(c.dockerBin)} exec ${shellQuote(c.container)} wget -q -O /dev/null --post-data= http://127.0.0.1:${PROMETHEUS_PORT}/-/reload`,
  );
}

/** `onChange` of a service that reads its config only at start (Loki, Promtail, Grafana's provisioning). */
export function restartCommand(c: ServiceContainer): string {
  return whenRunning(c, `${shellQuote(c.dockerBin)} restart ${shellQuote(c.container)} >/dev/null`);
}
