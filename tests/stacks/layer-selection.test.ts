import * as path from "node:path";
import { installMocks } from "../../scripts/mock-engine";
import { loadPlanConfig, placeholderSecrets } from "../../scripts/plan";
import { selectsLayers } from "../../scripts/drift";
import { planLayers, type LayerDecision } from "../../scripts/layer-plan";
import { layerRun, LAYERS } from "../../scripts/layer-program";
import { buildHemma, type HemmaArgs } from "../../stacks/hemma";
import { skippedLayers, SKIP_LAYERS_ENV } from "../../stacks/layer-selection";

const harness = installMocks("dev");
let args: HemmaArgs;
beforeAll(async () => {
  const loaded = loadPlanConfig(path.resolve(__dirname, "../.."), "dev");
  if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
  args = { config: loaded.config, secrets: await placeholderSecrets() };
});
beforeEach(() => harness.reset());

/** Which provider families the registered resources belong to. */
function families(): string[] {
  return [
    ...new Set(
      harness.resources.map((r) =>
        r.type.startsWith("docker:") || r.type.startsWith("command:") || r.type === "pulumi:providers:docker"
          ? "docker"
          : r.type.startsWith("cloudflare:")
            ? "cloudflare"
            : r.type.startsWith("pulumi-nodejs:dynamic/host:")
              ? "host"
              : "other",
      ),
    ),
  ].sort();
}

describe("skippedLayers", () => {
  it("reads the comma-separated layer names, none when unset or empty", () => {
    expect([...skippedLayers({})]).toEqual([]);
    expect([...skippedLayers({ [SKIP_LAYERS_ENV]: "" })]).toEqual([]);
    expect([...skippedLayers({ [SKIP_LAYERS_ENV]: "dns, docker" })]).toEqual(["dns", "docker"]);
  });

  it("refuses a name that is not a layer", () => {
    expect(() => skippedLayers({ [SKIP_LAYERS_ENV]: "dns,dcoker" })).toThrow(
      'HEMMA_SKIP_LAYERS: "dcoker" is not a layer (expected docker, dns, host, edge, observability)',
    );
  });
});

describe("layerRun", () => {
  it("without plugins and downloads, skips docker and dns whatever the features say", () => {
    const run = layerRun(planLayers(LAYERS, []), args.config);
    expect(run).toEqual({
      built: ["host", "edge"],
      switchedOff: [],
      skipped: ["docker", "dns", "observability"],
    });
  });

  it("with every plugin, dev builds every layer and switches none off (nothing is 'NOT applied')", () => {
    const all: LayerDecision[] = LAYERS.map((l) => ({ layer: l.layer, apply: true }));
    expect(layerRun(all, args.config)).toEqual({
      built: ["docker", "dns", "host", "edge", "observability"],
      switchedOff: [],
      skipped: [],
    });
  });

  it("with every plugin, builds what the features enable and names the rest as switched off", () => {
    const all: LayerDecision[] = LAYERS.map((l) => ({ layer: l.layer, apply: true }));
    const run = layerRun(all, { ...args.config, features: { ...args.config.features, dns: false } });
    expect(run).toEqual({
      built: ["docker", "host", "edge", "observability"],
      switchedOff: ["dns"],
      skipped: [],
    });
  });

  it("switches observability off with the docker or host layer, or when no service runs", () => {
    const all: LayerDecision[] = LAYERS.map((l) => ({ layer: l.layer, apply: true }));
    const c = args.config;
    const off = (config: typeof c) => layerRun(all, config).switchedOff;
    expect(off({ ...c, features: { ...c.features, docker: false } })).toEqual(["docker", "observability"]);
    expect(off({ ...c, features: { ...c.features, host: false } })).toEqual([
      "host",
      "edge",
      "observability",
    ]);
    const noPrometheus = {
      ...c,
      observability: { ...c.observability, prometheus: { ...c.observability.prometheus, enabled: false } },
    };
    expect(off(noPrometheus)).toEqual(["observability"]);
  });

  it("where Pulumi may download plugins, a missing plugin skips nothing", () => {
    expect(planLayers(LAYERS, [], true).every((d) => d.apply)).toBe(true);
  });
});

describe("buildHemma with skipped layers", () => {
  it("builds no resource of a skipped layer", async () => {
    buildHemma(args, { skipLayers: new Set(["docker", "dns", "observability"]) });
    await harness.settle();
    expect(families()).toEqual(["host", "other"]);
    expect(harness.resources.some((r) => r.type === "hemma:edge:EdgeHardening")).toBe(true);
  });

  it("builds the docker layer when nothing is skipped", async () => {
    buildHemma(args);
    await harness.settle();
    expect(families()).toContain("docker");
  });

  it("builds no observability container when the docker layer is skipped, whatever else runs", async () => {
    buildHemma(args, { skipLayers: new Set(["docker"]) });
    await harness.settle();
    expect(harness.resources.filter((r) => r.type.startsWith("hemma:observability:"))).toEqual([]);
    expect(families()).toEqual(["cloudflare", "host", "other"]);
  });
});

describe("selectsLayers", () => {
  it("selects layers on the dev stack's local backend only", () => {
    expect(selectsLayers("dev", {})).toBe(true);
    expect(selectsLayers("dev", { PULUMI_BACKEND_URL: "file:///x" })).toBe(false);
    expect(selectsLayers("prod", {})).toBe(false);
  });
});
