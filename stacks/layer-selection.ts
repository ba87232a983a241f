/**
 * Which layers one run of the program leaves out because this machine cannot run them (a
 * provider plugin that is neither installed nor downloadable). The wrapper scripts decide it
 * (`scripts/layer-plan.ts`) and hand it to the program in one environment variable, so
 * `npm run up`, `npm run drift` and a plain `pulumi up` all run the same `index.ts`.
 */

/** The program's layers, in build order. */
export const LAYER_NAMES = ["docker", "dns", "host", "edge", "observability"] as const;

/** One layer of the program. */
export type LayerName = (typeof LAYER_NAMES)[number];

/** Environment variable naming the layers to leave out, comma-separated (unset: none). */
export const SKIP_LAYERS_ENV = "HEMMA_SKIP_LAYERS";

/**
 * The layers `HEMMA_SKIP_LAYERS` names. Throws on a name that is not a layer, so a typo can
 * never silently leave a layer in (or out).
 */
export function skippedLayers(env: NodeJS.ProcessEnv = process.env): ReadonlySet<LayerName> {
  const raw = env[SKIP_LAYERS_ENV]?.trim() ?? "";
  if (raw === "") return new Set();
  const names = raw.split(",").map((n) => n.trim());
  const unknown = names.filter((n) => !(LAYER_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new Error(
      `${SKIP_LAYERS_ENV}: ${unknown.map((n) => JSON.stringify(n)).join(", ")} is not a layer (expected ${LAYER_NAMES.join(", ")})`,
    );
  return new Set(names as LayerName[]);
}
