import * as path from "node:path";
import { installMocks, type MockHarness, type RecordedResource, T } from "../../scripts/mock-engine";
import { loadPlanConfig, placeholderSecrets, secretPlaceholder } from "../../scripts/plan";
import { SECRETS } from "../../config/secrets";
import type { HemmaConfig } from "../../config/schema";

/** A stack built under mocks from its committed `Pulumi.<stack>.yaml`. */
export interface BuiltStack {
  readonly harness: MockHarness;
  readonly config: HemmaConfig;
  readonly outputs: import("../../stacks/hemma").HemmaOutputs;
}

/**
 * Builds `stack` from the real stack file (operator-only values and secrets filled with the
 * plan placeholders) with the mock harness installed first. Call once per test file.
 */
export async function buildStack(stack: string): Promise<BuiltStack> {
  const harness = installMocks(stack);
  const loaded = loadPlanConfig(path.resolve(__dirname, "../.."), stack);
  if (!loaded.ok) throw new Error(`Pulumi.${stack}.yaml does not load:\n${loaded.problems.join("\n")}`);
  const { buildHemma } = await import("../../stacks/hemma");
  const outputs = buildHemma({ config: loaded.config, secrets: await placeholderSecrets() });
  await harness.settle();
  return { harness, config: loaded.config, outputs };
}

/** Container paths that hold state and so must be explicit, protected named volumes. */
export const STATEFUL_PATHS = [
  "/var/lib/postgresql/data",
  "/app/.artifacts",
  "/etc/nginx/certs",
  "/usr/share/nginx/html",
  "/etc/acme.sh",
  // Observability (spec §3): the TSDB, Loki's chunks and index, promtail's positions, Grafana's state.
  "/prometheus",
  "/loki",
  "/tmp",
  "/var/lib/grafana",
];

/** Every plaintext secret placeholder. */
export const SECRET_VALUES = SECRETS.map((s) => secretPlaceholder(s.key));

/** Top-level inputs of `r` that did not arrive as secrets. */
export function nonSecretInputs(r: RecordedResource): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(r.inputs).filter(
      ([k]) => !r.secretPaths.some((p) => p === k || p.startsWith(`${k}.`) || p.startsWith(`${k}[`)),
    ),
  );
}

/** Whether `r` belongs to the observability layer (a child, at any depth, of a `hemma:observability:` component). */
export function inObservabilityLayer(r: RecordedResource): boolean {
  return r.type.startsWith("hemma:observability:") || r.urn.includes("hemma:observability:");
}

/** Whether `r` belongs to the docker layer (a docker resource, or a child of a `hemma:docker:` component). */
export function inDockerLayer(r: RecordedResource): boolean {
  if (inObservabilityLayer(r)) return false;
  return (
    r.type.startsWith("docker:") ||
    r.type === T.dockerProvider ||
    r.type.startsWith("hemma:docker:") ||
    r.type === "pulumi-nodejs:dynamic/host:StrayContainers" ||
    r.urn.includes("hemma:docker:")
  );
}

/** The observability-layer resources (`type name`) of a stack, sorted. */
export function observabilityLayerResources(h: MockHarness): string[] {
  return h.resources
    .filter(inObservabilityLayer)
    .map((r) => `${r.type} ${r.name}`)
    .sort();
}

/** The docker-layer resources (`type name`) of a stack, sorted. */
export function dockerLayerResources(h: MockHarness): string[] {
  return h.resources
    .filter(inDockerLayer)
    .map((r) => `${r.type} ${r.name}`)
    .sort();
}
