import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineEvent, StepEventMetadata } from "@pulumi/pulumi/automation";
import {
  changedFields,
  classifyDrift,
  cleanMessage,
  DRIFT,
  DRIFT_ERROR,
  formatDrift,
  NO_DRIFT,
  parseDriftArgs,
  USAGE_ERROR,
} from "../../scripts/drift";

/** Engine events recorded from real `preview --refresh --expect-no-changes` runs against the sandbox. */
function recorded(name: "clean" | "edited" | "down"): { events: EngineEvent[]; failure?: string } {
  return JSON.parse(fs.readFileSync(path.join(__dirname, "drift-events", `${name}.json`), "utf8"));
}

const STACK = "urn:pulumi:rec-1795653403744::hemma::";

describe("classifyDrift on recorded engine events", () => {
  it("no drift: only refresh and same steps", () => {
    const { events, failure } = recorded("clean");
    expect(failure).toBeUndefined();
    expect(classifyDrift(events, failure)).toEqual({ code: NO_DRIFT, summary: "drift: none" });
  });

  it("drift: the hand-edited file content, file mode and unit state, with their fields; the expect-no-changes failure is not an error", () => {
    const { events, failure } = recorded("edited");
    expect(failure).toContain("no changes were expected for preview but changes were proposed");
    const result = classifyDrift(events, failure);
    expect(result).toEqual({
      code: DRIFT,
      summary: "drift: 3 resources changed",
      changes: [
        { op: "update", urn: `${STACK}pulumi-nodejs:dynamic/host:HostFile::app-conf`, fields: ["digest"] },
        { op: "update", urn: `${STACK}pulumi-nodejs:dynamic/host:HostFile::tick-script`, fields: ["mode"] },
        {
          op: "update",
          urn: `${STACK}pulumi-nodejs:dynamic/host:SystemdUnit::web-service`,
          fields: ["active", "enabled"],
        },
      ],
    });
    expect(formatDrift(result)).toEqual([
      "drift: 3 resources changed",
      `  update ${STACK}pulumi-nodejs:dynamic/host:HostFile::app-conf: digest`,
      `  update ${STACK}pulumi-nodejs:dynamic/host:HostFile::tick-script: mode`,
      `  update ${STACK}pulumi-nodejs:dynamic/host:SystemdUnit::web-service: active, enabled`,
    ]);
  });

  it("error: the host refused the connection; one summary, one line per resource", () => {
    const { events, failure } = recorded("down");
    const result = classifyDrift(events, failure);
    const reason = "cannot connect to 127.0.0.1:2231: connect ECONNREFUSED 127.0.0.1:2231";
    expect(result.code).toBe(DRIFT_ERROR);
    expect(result.summary).toBe(`drift: error: ${reason} (6 resources)`);
    if (result.code !== DRIFT_ERROR) return;
    expect([...result.errors].sort()).toEqual(
      [
        "HostFile::app-conf",
        "HostFile::secret-env",
        "HostFile::tick-script",
        "SystemdUnit::tick-service",
        "SystemdUnit::tick-timer",
        "SystemdUnit::web-service",
      ].map((r) => `${STACK}pulumi-nodejs:dynamic/host:${r}: ${reason}`),
    );
    expect(formatDrift(result)[0]).toBe(result.summary);
    expect(formatDrift(result)).toHaveLength(7);
  });

  it("errors win over changes found before them", () => {
    const edited = recorded("edited").events;
    const down = recorded("down").events.filter((e) => e.diagnosticEvent);
    expect(classifyDrift([...edited, ...down], "error: preview failed").code).toBe(DRIFT_ERROR);
  });
});

describe("classifyDrift on CLI failures without engine events", () => {
  it.each([
    ["error: incorrect passphrase", "drift: error: incorrect passphrase"],
    [
      "Command failed with exit code 255: pulumi preview\nerror: no stack named 'prod' found",
      "drift: error: no stack named 'prod' found",
    ],
    ["something broke", "drift: error: something broke"],
  ])("%j", (failure, summary) => {
    expect(classifyDrift([], failure).summary).toBe(summary);
    expect(classifyDrift([], failure).code).toBe(DRIFT_ERROR);
  });
});

describe("changedFields", () => {
  const meta = (over: Partial<StepEventMetadata>): StepEventMetadata => ({
    op: "update",
    urn: "u",
    type: "t",
    provider: "p",
    ...over,
  });

  it("prefers the provider's detailed diff, then its changed keys", () => {
    expect(
      changedFields(
        meta({ detailedDiff: { ttl: { diffKind: "update" as never, inputDiff: false } }, diffs: ["x"] }),
      ),
    ).toEqual(["ttl"]);
    expect(changedFields(meta({ diffs: ["proxied", "ttl"] }))).toEqual(["proxied", "ttl"]);
  });

  it("otherwise compares desired inputs with refreshed outputs of the same name", () => {
    const state = (inputs: Record<string, unknown>, outputs: Record<string, unknown>) => ({
      type: "t",
      urn: "u",
      id: "i",
      parent: "",
      provider: "p",
      inputs,
      outputs,
    });
    expect(
      changedFields(
        meta({
          old: state({}, { mode: "0640", digest: "a", adopted: false }),
          new: state({ mode: "0755", digest: "a", content: "[secret]", __provider: "x" }, {}),
        }),
      ),
    ).toEqual(["mode"]);
  });
});

describe("cleanMessage", () => {
  it("drops colour codes, the error: prefix and extra whitespace, and caps the length", () => {
    expect(cleanMessage("\u001b[31merror:\u001b[0m  host\n  down ")).toBe("host down");
    expect(cleanMessage("x".repeat(400))).toHaveLength(300);
  });
});

describe("parseDriftArgs", () => {
  it("takes exactly one stack name", () => {
    expect(parseDriftArgs(["prod"])).toEqual({ stack: "prod" });
    for (const argv of [[], ["a", "b"], ["--x"], ["bad name"]]) {
      expect(parseDriftArgs(argv)).toEqual({
        usage: expect.stringContaining("usage: npm run drift -- <stack>"),
        help: false,
      });
    }
    expect(parseDriftArgs(["--help"])).toEqual({ usage: expect.stringContaining("exit codes:"), help: true });
    expect(USAGE_ERROR).not.toBe(DRIFT);
  });
});
