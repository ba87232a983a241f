import { observabilitySchema } from "../../../config/schema/observability";
import { observabilityRenderArgs } from "../../../render/observability/from-config";
import { renderObservability, type ObservabilityFiles } from "../../../render/observability";

/** The spec's defaults (prod's observability area), as the renderers receive them. */
export function defaultRenderArgs(observability: unknown = {}) {
  return observabilityRenderArgs({
    observability: observabilitySchema.parse(observability),
    app: { containerName: "skriptoteket-web" },
    proxy: { containerName: "nginx-proxy" },
  });
}

/** The rendered files of the spec's defaults. */
export function defaultFiles(observability: unknown = {}): ObservabilityFiles {
  return renderObservability(defaultRenderArgs(observability));
}
