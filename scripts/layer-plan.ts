/**
 * Which layers of the stack a real engine run can apply on this machine: a layer needs every
 * provider plugin its resources use, and a missing plugin cannot be fetched here (no registry
 * access), so the layer is skipped with a reason instead of failing half-way.
 */

/** A provider plugin a layer needs: name and exact version (from the SDK package's `pulumi` field). */
export interface PluginRequirement {
  /** Plugin name, e.g. `docker`. */
  readonly name: string;
  /** Version without a leading `v`, e.g. `5.2.0`. */
  readonly version: string;
}

/** One layer and what it needs. */
export interface LayerRequirement {
  /** Layer name as `stacks/layers/<layer>.ts` calls it. */
  readonly layer: string;
  /** Resource plugins its resources load (dynamic providers need none beyond the Node.js shim). */
  readonly plugins: readonly PluginRequirement[];
  /** How the layer is proven when it cannot run here, named in the skip message. */
  readonly provenBy: string;
}

/** An installed plugin as `pulumi plugin ls` reports it. */
export interface InstalledPlugin {
  /** Plugin name. */
  readonly name: string;
  /** `resource`, `language`, ... */
  readonly kind: string;
  /** Version, with or without a leading `v` (absent for a plugin of unknown version, which never matches). */
  readonly version?: string;
}

/** The outcome for one layer. */
export type LayerDecision =
  | { readonly layer: string; readonly apply: true }
  | { readonly layer: string; readonly apply: false; readonly reason: string };

/**
 * Decides, in the order given, which layers can be applied with `installed` plugins. When
 * `downloadable` (Pulumi may fetch plugins on this machine), a missing plugin is no reason to
 * skip. A skipped layer's reason names every missing plugin and how the layer is proven instead.
 */
export function planLayers(
  layers: readonly LayerRequirement[],
  installed: readonly InstalledPlugin[],
  downloadable = false,
): LayerDecision[] {
  const have = new Set(
    installed
      .filter((p) => p.kind === "resource" && p.version !== undefined)
      .map((p) => `${p.name}@${p.version!.replace(/^v/, "")}`),
  );
  return layers.map((l) => {
    const missing = downloadable ? [] : l.plugins.filter((p) => !have.has(`${p.name}@${p.version}`));
    if (missing.length === 0) return { layer: l.layer, apply: true };
    const names = missing.map((p) => `${p.name} v${p.version}`).join(", ");
    return {
      layer: l.layer,
      apply: false,
      reason: `provider plugin${missing.length === 1 ? "" : "s"} ${names} ${missing.length === 1 ? "is" : "are"} not installed and plugin downloads are off here; proven by ${l.provenBy}`,
    };
  });
}

/** The message `npm run up` prints for a skipped layer. */
export function skipMessage(decision: LayerDecision): string {
  return decision.apply
    ? `applying ${decision.layer} layer`
    : `skipped ${decision.layer} layer: ${decision.reason}`;
}
