import { planLayers, skipMessage, type LayerRequirement } from "../../scripts/layer-plan";

const layers: LayerRequirement[] = [
  { layer: "host", plugins: [], provenBy: "the e2e suite" },
  {
    layer: "docker",
    plugins: [
      { name: "docker", version: "5.2.0" },
      { name: "command", version: "1.2.1" },
    ],
    provenBy: "mock tests",
  },
  { layer: "dns", plugins: [{ name: "cloudflare", version: "6.22.1" }], provenBy: "mock tests" },
];

describe("planLayers", () => {
  it("applies layers without plugins and skips each layer naming every missing plugin", () => {
    expect(planLayers(layers, [])).toEqual([
      { layer: "host", apply: true },
      {
        layer: "docker",
        apply: false,
        reason:
          "provider plugins docker v5.2.0, command v1.2.1 are not installed and plugin downloads are off here; proven by mock tests",
      },
      {
        layer: "dns",
        apply: false,
        reason:
          "provider plugin cloudflare v6.22.1 is not installed and plugin downloads are off here; proven by mock tests",
      },
    ]);
  });

  it("needs the exact version, of kind resource, with or without a leading v", () => {
    const decisions = planLayers(layers, [
      { name: "docker", kind: "resource", version: "v5.2.0" },
      { name: "command", kind: "resource", version: "1.2.1" },
      { name: "cloudflare", kind: "resource", version: "6.22.0" },
    ]);
    expect(decisions.map((d) => d.apply)).toEqual([true, true, false]);
    expect(planLayers(layers, [{ name: "cloudflare", kind: "language", version: "6.22.1" }])[2]!.apply).toBe(
      false,
    );
  });
});

describe("skipMessage", () => {
  it("says skipped with the reason, never applied", () => {
    const [, docker] = planLayers(layers, []);
    expect(skipMessage(docker!)).toBe(
      "skipped docker layer: provider plugins docker v5.2.0, command v1.2.1 are not installed and plugin downloads are off here; proven by mock tests",
    );
    expect(skipMessage({ layer: "host", apply: true })).toBe("applying host layer");
  });
});
