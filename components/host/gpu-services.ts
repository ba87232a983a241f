import * as pulumi from "@pulumi/pulumi";
import type { HostConnectionArgs } from "../../providers/host-connection";
import type { HostFile } from "../../providers/host-file";
import { SystemdUnit } from "../../providers/systemd-unit";
import {
  LLAMA_UNIT,
  ROCM_PERF_UNIT,
  TABBY_UNIT,
  renderGpuServices,
  type GpuServicesArgs as RenderArgs,
} from "../../render/host/gpu-services";
import { placeRenderedFile } from "./placement";

/** Arguments of {@link GpuServices}. */
export interface GpuServicesArgs {
  /** How to reach the host. */
  readonly connection: HostConnectionArgs;
  /** llama.cpp, Tabby and ROCm settings (render/host/gpu-services.ts). */
  readonly settings: RenderArgs;
  /** Enable and start `rocm-perf.service`; false keeps it disabled and stopped (docs/decisions/0049). */
  readonly rocmPerfEnabled: boolean;
}

/**
 * The GPU/AI services (spec §5.4): `llama-server-rocm.service` (the only llama.cpp), `tabby.service`
 * with its config, `rocm-perf.service` as the stack decides, and the legacy host-binary llama units
 * masked (spec §11.10). A llama change restarts llama, then tabby.
 */
export class GpuServices extends pulumi.ComponentResource {
  /** `llama-server-rocm.service`. */
  readonly llama: SystemdUnit;
  /** `tabby.service`. */
  readonly tabby: SystemdUnit;
  /** Tabby's `config.toml`. */
  readonly tabbyConfig: HostFile;
  /** `rocm-perf.service`. */
  readonly rocmPerf: SystemdUnit;
  /** The masked legacy units. */
  readonly legacy: readonly SystemdUnit[];

  constructor(name: string, args: GpuServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:host:GpuServices", name, {}, opts);
    const files = renderGpuServices(args.settings);
    const at = (suffix: string) => files.find((f) => f.path.endsWith(suffix))!;
    // Masked first, so nothing (an old tabby Wants=) can start a legacy unit next to the container.
    this.legacy = args.settings.legacyUnits.map(
      (unit) =>
        new SystemdUnit(
          `${name}-mask-${unit}`,
          { connection: args.connection, name: unit, masked: true },
          { parent: this },
        ),
    );
    this.llama = placeRenderedFile(
      name,
      args.connection,
      at(`/${LLAMA_UNIT}`),
      { enabled: true, active: true, dependsOn: [...this.legacy] },
      this,
      files,
    ) as SystemdUnit;
    this.tabbyConfig = placeRenderedFile(
      name,
      args.connection,
      at("/config.toml"),
      { onChange: `systemctl try-restart ${TABBY_UNIT}` },
      this,
      files,
    ) as HostFile;
    this.tabby = placeRenderedFile(
      name,
      args.connection,
      at(`/${TABBY_UNIT}`),
      { enabled: true, active: true, dependsOn: [this.llama, this.tabbyConfig] },
      this,
      files,
    ) as SystemdUnit;
    this.rocmPerf = placeRenderedFile(
      name,
      args.connection,
      at(`/${ROCM_PERF_UNIT}`),
      { enabled: args.rocmPerfEnabled, active: args.rocmPerfEnabled },
      this,
      files,
    ) as SystemdUnit;
    this.registerOutputs({
      llamaPort: args.settings.llama.port,
      tabbyPort: args.settings.tabby.port,
      rocmPerfEnabled: args.rocmPerfEnabled,
    });
  }
}
