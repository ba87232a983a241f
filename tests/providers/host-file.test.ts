import { sha256Hex } from "../../providers/digest";
import type { HostConnectionState } from "../../providers/host-connection";
import {
  checkHostFile,
  diffHostFile,
  type HostFileInputs,
  type HostFileOutputs,
} from "../../providers/host-file";
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

const SSHD_CHECK = { kind: "sshd", settings: { PermitRootLogin: "no" } } as const;

const news: HostFileInputs = {
  connection: conn,
  path: "/etc/hemma/a.conf",
  content: "a=1\n",
  digest: sha256Hex("a=1\n"),
  mode: "0644",
  owner: "root",
  group: "root",
  createDirectories: false,
};
const olds: HostFileOutputs = {
  connection: conn,
  path: "/etc/hemma/a.conf",
  digest: sha256Hex("a=1\n"),
  mode: "0644",
  owner: "root",
  group: "root",
  createDirectories: false,
  adopted: false,
  createdDirectories: [],
};

describe("diffHostFile", () => {
  test("identical state and inputs: no changes", () => {
    expect(diffHostFile(olds, news)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
      changed: [],
    });
  });

  test.each<[string, Partial<HostFileOutputs>, Partial<HostFileInputs>, string[]]>([
    ["content edited on the host", { digest: sha256Hex("a=2\n") }, {}, ["content"]],
    ["not a regular file any more", { digest: "" }, {}, ["content"]],
    ["new content", {}, { content: "b\n", digest: sha256Hex("b\n") }, ["content"]],
    ["content unknown during preview", {}, { content: UNKNOWN_VALUE, digest: UNKNOWN_VALUE }, ["content"]],
    ["mode changed on the host", { mode: "0600" }, {}, ["mode"]],
    ["owner and group", { owner: "paunchygent", group: "adm" }, {}, ["owner", "group"]],
    ["validator", {}, { validate: "true {}" }, ["validate"]],
    ["on-change action", {}, { onChange: "systemctl reload nginx" }, ["onChange"]],
    ["rotated key", {}, { connection: { ...conn, privateKey: "NEW" } }, ["connection"]],
    ["longer timeout", {}, { connection: { ...conn, commandTimeoutSeconds: 300 } }, ["connection"]],
    [
      "a hand-made file shadows it",
      { shadows: SSHD_CHECK, shadowedBy: ["/etc/ssh/sshd_config.d/50-x.conf"] },
      { shadows: SSHD_CHECK, shadowedBy: [] },
      ["shadowedBy"],
    ],
    ["a shadow check added", {}, { shadows: SSHD_CHECK, shadowedBy: [] }, ["shadows"]],
    ["a new version of the provider code", { __provider: "old" }, { __provider: "new" }, ["__provider"]],
  ])("%s: in-place update naming the fields", (_case, o, n, changed) => {
    expect(diffHostFile({ ...olds, ...o }, { ...news, ...n })).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
      changed,
    });
  });

  test("no shadow and the same provider code, or code state does not hold yet: no change", () => {
    expect(
      diffHostFile(
        { ...olds, shadows: SSHD_CHECK, shadowedBy: [], __provider: "p" },
        { ...news, shadows: SSHD_CHECK, shadowedBy: [], __provider: "p" },
      ).changes,
    ).toBe(false);
    expect(diffHostFile(olds, { ...news, __provider: "p" }).changes).toBe(false);
  });

  test("state written before createDirectories existed reads as false, not as a change", () => {
    const { createDirectories: _dropped, ...oldState } = olds;
    void _dropped;
    expect(diffHostFile(oldState as HostFileOutputs, news).changes).toBe(false);
    expect(diffHostFile(oldState as HostFileOutputs, { ...news, createDirectories: true }).changed).toEqual([
      "createDirectories",
    ]);
  });

  test("a new path replaces, create-before-delete (a different file)", () => {
    expect(diffHostFile(olds, { ...news, path: "/etc/hemma/b.conf" })).toEqual({
      changes: true,
      replaces: ["path"],
      deleteBeforeReplace: false,
      changed: ["path"],
    });
  });

  test("a new host or port replaces, deleting first (it may be the same machine)", () => {
    expect(
      diffHostFile(olds, { ...news, connection: { ...conn, host: "localhost", privateKey: "other" } }),
    ).toEqual({
      changes: true,
      replaces: ["connection"],
      deleteBeforeReplace: true,
      changed: ["connection"],
    });
    expect(diffHostFile(olds, { ...news, connection: { ...conn, port: 22 } }).deleteBeforeReplace).toBe(true);
  });
});

describe("checkHostFile", () => {
  const raw = { connection: conn, path: "/etc/hemma/a.conf", content: "x\n", digest: "stale" };

  test("fills defaults, normalizes the mode and recomputes the digest from the content", () => {
    expect(checkHostFile({ ...raw, mode: "600" })).toEqual({
      inputs: {
        ...raw,
        mode: "0600",
        owner: "root",
        group: "root",
        createDirectories: false,
        digest: sha256Hex("x\n"),
      },
      failures: [],
    });
  });

  test("a malformed shadow check is a failure on shadows", () => {
    expect(checkHostFile({ ...raw, shadows: { kind: "nginx-vhost", hosts: ["a b"] } }).failures).toEqual([
      { property: "shadows", reason: 'shadows: "a b" is not a host name' },
    ]);
  });

  test("unknown content keeps the unknown digest for the engine", () => {
    const r = checkHostFile({ ...raw, content: UNKNOWN_VALUE, digest: UNKNOWN_VALUE });
    expect(r.failures).toEqual([]);
    expect(r.inputs.digest).toBe(UNKNOWN_VALUE);
  });

  test("reports every problem at once", () => {
    expect(
      checkHostFile({
        connection: { ...conn, user: "root" },
        path: "relative",
        mode: "999",
        owner: "Bad User",
      }).failures,
    ).toEqual([
      { property: "connection.user", reason: 'user must be a non-root login name, got "root"' },
      { property: "path", reason: 'path must be absolute, got "relative"' },
      { property: "mode", reason: 'mode must be 3 or 4 octal digits like "0644", got "999"' },
      { property: "owner", reason: 'owner must be a user/group name or numeric id, got "Bad User"' },
      { property: "content", reason: 'content is required (use "" for an empty file)' },
    ]);
  });
});
