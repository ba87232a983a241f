import * as path from "node:path";
import { installMocks } from "../../scripts/mock-engine";
import { loadPlanConfig, placeholderSecrets } from "../../scripts/plan";
import { driftProgram, selectsLayers } from "../../scripts/drift";
import { planLayers, type LayerDecision } from "../../scripts/layer-plan";
import { LAYERS, type LayerArgs } from "../../scripts/layer-program";

const harness = installMocks("dev");
let args: LayerArgs;
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

describe("selectsLayers", () => {
  it("selects layers on the dev stack's local backend only", () => {
    expect(selectsLayers("dev", {})).toBe(true);
    expect(selectsLayers("dev", { PULUMI_BACKEND_URL: "file:///x" })).toBe(false);
    expect(selectsLayers("prod", {})).toBe(false);
  });
});

describe("driftProgram", () => {
  it("dev without the docker/cloudflare plugins builds only up's layers and names the dns layer the config switches off", async () => {
    const noPlugins: readonly LayerDecision[] = planLayers(LAYERS, []);
    expect(noPlugins.map((d) => [d.layer, d.apply])).toEqual([
      ["host", true],
      ["edge", true],
      ["docker", false],
      ["dns", false],
    ]);
    const off: string[] = [];
    await driftProgram(
      "dev",
      {},
      () => args,
      () => noPlugins,
      (l) => off.push(...l),
    )();
    await harness.settle();
    expect(families()).toEqual(["host", "other"]);
    expect(harness.resources.some((r) => r.type === "hemma:edge:EdgeHardening")).toBe(true);
    expect(off).toEqual([]);
  });

  it("dev with every plugin builds docker too and reports dns as switched off by hemma:features", async () => {
    const all: LayerDecision[] = LAYERS.map((l) => ({ layer: l.layer, apply: true }));
    const off: string[] = [];
    await driftProgram(
      "dev",
      {},
      () => args,
      () => all,
      (l) => off.push(...l),
    )();
    await harness.settle();
    expect(families()).toEqual(["docker", "host", "other"]);
    expect(off).toEqual(["dns"]);
  });

  it("prod (or any backend URL) compares the whole stack whatever the plugin plan says", async () => {
    const noPlugins = planLayers(LAYERS, []);
    await driftProgram(
      "dev",
      { PULUMI_BACKEND_URL: "file:///x" },
      () => args,
      () => noPlugins,
    )();
    await harness.settle();
    expect(families()).toEqual(["docker", "host", "other"]);
  });
});
