import { sha256Hex } from "../../providers/digest";
import type { HostConnectionState } from "../../providers/host-connection";
import {
  checkSystemdUnit,
  diffSystemdUnit,
  unitFilePath,
  type SystemdUnitInputs,
  type SystemdUnitOutputs,
} from "../../providers/systemd-unit";
import { UNKNOWN_VALUE } from "../../providers/values";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBTAYmazVK6yPTYHtYudlZO/w0mdA6j9nHKwusoYdMae fixture";
const conn: HostConnectionState = {
  host: "127.0.0.1",
  port: 2222,
  user: "paunchygent",
  hostKey: KEY,
  privateKey: "PRIVATE",
  connectTimeoutSeconds: 10,
  commandTimeoutSeconds: 120,
};
const UNIT = "[Service]\nExecStart=/bin/true\n";

const news: SystemdUnitInputs = {
  connection: conn,
  name: "hemma-web.service",
  directory: "/etc/systemd/system",
  content: UNIT,
  digest: sha256Hex(UNIT),
  enabled: true,
  active: true,
};
const olds: SystemdUnitOutputs = {
  connection: conn,
  name: "hemma-web.service",
  directory: "/etc/systemd/system",
  hasContent: true,
  digest: sha256Hex(UNIT),
  enabled: true,
  active: true,
  masked: false,
  enabledState: "enabled",
  activeState: "active",
  wantEnabled: true,
  wantActive: true,
  adopted: false,
  createdDirectories: [],
  initialEnabled: false,
  initialMasked: false,
};

describe("diffSystemdUnit", () => {
  test("live state as desired: no changes", () => {
    expect(diffSystemdUnit(olds, news)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
      changed: [],
    });
  });

  test.each<[string, Partial<SystemdUnitOutputs>, Partial<SystemdUnitInputs>, string[]]>([
    ["unit file edited on the host", { digest: sha256Hex("x") }, {}, ["content"]],
    ["new content", {}, { content: "y", digest: sha256Hex("y") }, ["content"]],
    ["content unknown in preview", {}, { content: UNKNOWN_VALUE, digest: UNKNOWN_VALUE }, ["content"]],
    ["stopped by hand", { active: false }, {}, ["active"]],
    ["disabled by hand", { enabled: false }, {}, ["enabled"]],
    ["now desired stopped", {}, { active: false }, ["active"]],
    ["validator added", {}, { validate: "systemd-analyze verify {}" }, ["validate"]],
    [
      "a hand-made drop-in and a runtime copy",
      { extraDropIns: ["/run/systemd/system/hemma-web.service.d/x.conf"], extraUnitFiles: ["/run/x"] },
      {},
      ["extraUnitFiles", "extraDropIns"],
    ],
    [
      "a drop-in declared",
      {},
      { declaredDropIns: ["/etc/systemd/system/hemma-web.service.d/a.conf"] },
      ["declaredDropIns"],
    ],
    ["its unit files no longer checked", {}, { checkUnitFiles: false }, ["checkUnitFiles"]],
    ["a new version of the provider code", { __provider: "old" }, { __provider: "new" }, ["__provider"]],
  ])("%s", (_case, o, n, changed) => {
    expect(diffSystemdUnit({ ...olds, ...o }, { ...news, ...n })).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
      changed,
    });
  });

  test("state written before the unit-file check existed reads as its defaults, not as a change", () => {
    expect(
      diffSystemdUnit(olds, { ...news, declaredDropIns: [], checkUnitFiles: true, extraDropIns: [] }).changes,
    ).toBe(false);
    expect(
      diffSystemdUnit(
        { ...olds, name: "a.service.d/x.conf" },
        { ...news, name: "a.service.d/x.conf", checkUnitFiles: false },
      ).changes,
    ).toBe(false);
  });

  test("unmanaged fields never diff: enabled/active absent", () => {
    const unmanaged: SystemdUnitInputs = { ...news, enabled: undefined, active: undefined };
    expect(diffSystemdUnit({ ...olds, enabled: false, active: false }, unmanaged).changes).toBe(false);
  });

  test.each<[string, Partial<SystemdUnitInputs>, string[]]>([
    ["name", { name: "hemma-app.service" }, ["name"]],
    ["directory", { directory: "/usr/local/lib/systemd/system" }, ["directory"]],
    ["host", { connection: { ...conn, host: "localhost" } }, ["connection"]],
    ["content to stock unit", { content: undefined, digest: undefined }, ["content"]],
  ])("a new %s replaces, deleting first", (_case, n, replaces) => {
    const d = diffSystemdUnit(olds, { ...news, ...n });
    expect(d.replaces).toEqual(replaces);
    expect(d.deleteBeforeReplace).toBe(true);
    expect(d.changes).toBe(true);
  });

  test("a masked stock unit found unmasked", () => {
    const stock: SystemdUnitOutputs = {
      ...olds,
      name: "apt-daily.timer",
      hasContent: false,
      digest: "",
      masked: false,
      enabled: true,
    };
    const want: SystemdUnitInputs = {
      connection: conn,
      name: "apt-daily.timer",
      directory: "/etc/systemd/system",
      masked: true,
    };
    expect(diffSystemdUnit(stock, want).changed).toEqual(["masked"]);
    expect(diffSystemdUnit({ ...stock, masked: true }, want).changes).toBe(false);
  });
});

describe("checkSystemdUnit", () => {
  test("defaults the directory, the unit-file check and its declared drop-ins, and recomputes the digest", () => {
    expect(checkSystemdUnit({ connection: conn, name: "a.service", content: UNIT, digest: "stale" })).toEqual(
      {
        inputs: {
          connection: conn,
          name: "a.service",
          content: UNIT,
          digest: sha256Hex(UNIT),
          directory: "/etc/systemd/system",
          checkUnitFiles: true,
          declaredDropIns: [],
        },
        failures: [],
      },
    );
    const dropIn = checkSystemdUnit({ connection: conn, name: "a.service.d/10-x.conf", content: UNIT });
    expect([dropIn.inputs.checkUnitFiles, dropIn.inputs.declaredDropIns]).toEqual([false, []]);
    expect(
      checkSystemdUnit({ connection: conn, name: "a.service", content: UNIT, declaredDropIns: ["x.conf"] })
        .failures,
    ).toEqual([
      { property: "declaredDropIns", reason: 'declaredDropIns must be absolute paths, got ["x.conf"]' },
    ]);
  });

  test("a timer with content is enabled and started unless told otherwise", () => {
    const r = checkSystemdUnit({ connection: conn, name: "backup.timer", content: "[Timer]\n" });
    expect([r.inputs.enabled, r.inputs.active]).toEqual([true, true]);
    const off = checkSystemdUnit({
      connection: conn,
      name: "backup.timer",
      content: "[Timer]\n",
      active: false,
    });
    expect([off.inputs.enabled, off.inputs.active]).toEqual([true, false]);
  });

  test.each<[string, Record<string, unknown>, { property: string; reason: string }[]]>([
    [
      "bad name",
      { name: "foo" },
      [
        {
          property: "name",
          reason:
            'name must be a unit ("foo.service", "foo.timer", ...) or a drop-in ("foo.service.d/10-x.conf"), got "foo"',
        },
      ],
    ],
    [
      "drop-in without content",
      { name: "docker.service.d/10-x.conf" },
      [{ property: "content", reason: "a drop-in needs content" }],
    ],
    [
      "drop-in with state",
      { name: "docker.service.d/10-x.conf", content: "x", active: true },
      [{ property: "active", reason: "a drop-in has no active state of its own; set it on docker.service" }],
    ],
    [
      "masked with content",
      { name: "a.service", content: "x", masked: true },
      [
        {
          property: "masked",
          reason: "a unit with content cannot be masked; masking is for stock units (omit content)",
        },
      ],
    ],
    [
      "masked and enabled",
      { name: "a.service", masked: true, enabled: true },
      [{ property: "enabled", reason: "a masked unit cannot be enabled" }],
    ],
    [
      "relative directory",
      { name: "a.service", directory: "etc" },
      [{ property: "directory", reason: 'path must be absolute, got "etc"' }],
    ],
  ])("%s", (_case, patch, failures) => {
    expect(checkSystemdUnit({ connection: conn, ...patch }).failures).toEqual(failures);
  });

  test("unit file path", () => {
    expect(unitFilePath("/etc/systemd/system", "docker.service.d/10-x.conf")).toBe(
      "/etc/systemd/system/docker.service.d/10-x.conf",
    );
  });
});
