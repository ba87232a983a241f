import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EngineEvent, StepEventMetadata } from "@pulumi/pulumi/automation";
import { captureStem } from "../../providers/drift-capture";
import {
  captureReader,
  changedFields,
  classifyDrift,
  cleanMessage,
  DRIFT,
  DRIFT_ERROR,
  explainDrift,
  formatDrift,
  NO_DRIFT,
  parseDriftArgs,
  USAGE_ERROR,
  type CaptureReader,
  type DriftResult,
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

describe("explainDrift: what changed, line by line", () => {
  const SECRET = {
    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
    ciphertext: "[secret]",
  };
  const conn = { host: "127.0.0.1", port: 2231, user: "paunchygent", privateKey: SECRET };
  const urn = (type: string, name: string) => `${STACK}pulumi-nodejs:dynamic/host:${type}::${name}`;
  const step = (
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    outputs: Record<string, unknown>,
  ): EngineEvent =>
    ({
      sequence: 1,
      timestamp: 1,
      resourcePreEvent: {
        metadata: {
          op: "update",
          urn: urn(type, name),
          type: `pulumi-nodejs:dynamic/host:${type}`,
          provider: "p",
          old: { type: "t", urn: urn(type, name), id: "i", parent: "", provider: "p", inputs: {}, outputs },
          new: { type: "t", urn: urn(type, name), id: "i", parent: "", provider: "p", inputs, outputs: {} },
        },
      },
    }) as EngineEvent;
  const events = [
    step("HostFile", "app-conf", { connection: conn, path: "/etc/app.conf", digest: "d2" }, { digest: "d1" }),
    step(
      "HostFile",
      "secret-env",
      { connection: conn, path: "/etc/secret.env", digest: SECRET },
      { digest: SECRET },
    ),
    step(
      "HostFile",
      "sshd",
      { connection: conn, path: "/etc/ssh/sshd_config.d/99-hardening.conf", shadowedBy: [] },
      { shadowedBy: ["/etc/ssh/sshd_config.d/50-x.conf"] },
    ),
    step(
      "SystemdUnit",
      "web",
      {
        connection: conn,
        name: "web.service",
        directory: "/etc/systemd/system",
        digest: "u2",
        extraDropIns: [],
      },
      { digest: "u1", extraDropIns: ["/run/systemd/system/web.service.d/x.conf"], __provider: "old" },
    ),
  ];
  const declared = captureStem("127.0.0.1", 2231, "/etc/app.conf");
  const secretStem = captureStem("127.0.0.1", 2231, "/etc/secret.env");
  const unitStem = captureStem("127.0.0.1", 2231, "/etc/systemd/system/web.service");
  const capture: CaptureReader = (stem) =>
    ({
      [declared]: {
        declared: "greeting=hello\nport=8080\n",
        live: "greeting=hi\nport=8080\n",
        fields: ["content"],
      },
      [secretStem]: { fields: ["content"] },
      [unitStem]: { declared: "[Service]\n", fields: ["content"] },
    })[stem] ?? {};
  const result: DriftResult = {
    code: DRIFT,
    summary: "drift: 4 resources changed",
    changes: [
      { op: "update", urn: urn("HostFile", "app-conf"), fields: ["digest"] },
      // The engine shows a secret digest only as [secret]: the provider's fields name it.
      { op: "update", urn: urn("HostFile", "secret-env"), fields: [] },
      { op: "update", urn: urn("HostFile", "sshd"), fields: ["shadowedBy"] },
      { op: "update", urn: urn("SystemdUnit", "web"), fields: ["__provider", "digest", "extraDropIns"] },
    ],
  };

  test("a diff for plain content, no line of a secret, each undeclared file with where up moves it", () => {
    const explained = explainDrift(result, events, capture);
    expect(formatDrift(explained)).toEqual([
      "drift: 4 resources changed",
      `  update ${urn("HostFile", "app-conf")}: digest`,
      "      --- /etc/app.conf (declared)",
      "      +++ /etc/app.conf (live)",
      "      @@ -1,2 +1,2 @@",
      "      -greeting=hello",
      "      +greeting=hi",
      "       port=8080",
      `  update ${urn("HostFile", "secret-env")}: digest`,
      "      /etc/secret.env: content differs; it holds a secret, so no line of it is shown",
      `  update ${urn("HostFile", "sshd")}: shadowedBy`,
      "      shadowedBy: /etc/ssh/sshd_config.d/50-x.conf (a file overriding it no resource declares; up copies it to /var/lib/hemma-infra/backups/<UTC time>/etc/ssh/sshd_config.d/50-x.conf and removes it)",
      `  update ${urn("SystemdUnit", "web")}: __provider, digest, extraDropIns`,
      "      /etc/systemd/system/web.service: content differs (its lines could not be read)",
      "      extraDropIns: /run/systemd/system/web.service.d/x.conf (a drop-in no resource declares; up copies it to /var/lib/hemma-infra/backups/<UTC time>/run/systemd/system/web.service.d/x.conf and removes it)",
      "      __provider: the provider code in state is an older version; up stores the new one (the host is not touched)",
    ]);
  });

  test("a newer provider code is named as such: the host is not what differs", () => {
    const codeUrn = "urn:pulumi:dev::hemma::pulumi:providers:pulumi-nodejs::hemma-provider-code";
    const code: DriftResult = {
      code: DRIFT,
      summary: "drift: 1 resource changed",
      changes: [{ op: "update", urn: codeUrn, fields: ["hemma:providerCode"] }],
    };
    expect(formatDrift(explainDrift(code, [], capture))).toEqual([
      "drift: 1 resource changed",
      `  update ${codeUrn}: hemma:providerCode`,
      "      hemma:providerCode: the provider code in state is an older version; up stores the new one (the host is not touched)",
    ]);
  });

  test("no drift and errors pass through unchanged", () => {
    const none = { code: NO_DRIFT, summary: "drift: none" } as const;
    expect(explainDrift(none, events, capture)).toBe(none);
  });

  test("captureReader reads the capture directory's files", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-reader-"));
    fs.writeFileSync(path.join(dir, "s.declared"), "a\n");
    fs.writeFileSync(path.join(dir, "s.fields"), '["content"]');
    expect(captureReader(dir)("s")).toEqual({ declared: "a\n", fields: ["content"] });
    expect(captureReader(dir)("t")).toEqual({});
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
