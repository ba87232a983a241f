import {
  connectionFailures,
  hostKeyAlgorithms,
  hostKeyMismatch,
  keyBlobType,
  keyFingerprint,
  parsePinnedHostKey,
} from "../../providers/host-connection";

// Fixture keys generated with ssh-keygen; fingerprints are what `ssh-keygen -lf` printed for them.
const KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBTAYmazVK6yPTYHtYudlZO/w0mdA6j9nHKwusoYdMae fixture";
const FP_A = "SHA256:XrKAvOjPweJZ3SEcruk7MieTDJwUjo0L9uLtjPXlwnc";
const KEY_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGuuvWkDQqDsvDCwdFVmvt1XcveaIhm7nrLErgOzgoRZ other";
const FP_B = "SHA256:sKVMumr39JShqdWWKNkMvdpiwdtsfZ91pzwYLEw0lPI";

const blobOf = (line: string): Buffer => Buffer.from(line.split(" ")[1] as string, "base64");

describe("pinned host key", () => {
  test("parses type and blob, and fingerprints like ssh-keygen -lf", () => {
    const k = parsePinnedHostKey(`  ${KEY_A}\n`);
    expect(k.type).toBe("ssh-ed25519");
    expect(keyBlobType(k.blob)).toBe("ssh-ed25519");
    expect(keyFingerprint(k.blob)).toBe(FP_A);
    expect(keyFingerprint(blobOf(KEY_B))).toBe(FP_B);
  });

  test.each([
    ["", 'pinned host key must be an OpenSSH public key line "type base64", got ""'],
    ["ssh-ed25519", 'pinned host key must be an OpenSSH public key line "type base64", got "ssh-ed25519"'],
    ["ssh-ed25519 not*base64", "pinned host key ssh-ed25519 has invalid base64 data"],
    [`ssh-rsa ${KEY_A.split(" ")[1]}`, "pinned host key says ssh-rsa but its data holds a ssh-ed25519 key"],
    ["ssh-ed25519 AAAA", "pinned host key says ssh-ed25519 but its data holds a malformed key"],
  ])("rejects %j", (line, message) => {
    expect(() => parsePinnedHostKey(line)).toThrow(message);
  });

  test("the same key is no mismatch; another key names host, port and both fingerprints", () => {
    expect(hostKeyMismatch("127.0.0.1", 2222, KEY_A, blobOf(KEY_A))).toBeUndefined();
    expect(hostKeyMismatch("127.0.0.1", 2222, KEY_A, blobOf(KEY_B))).toBe(
      `host key mismatch for 127.0.0.1:2222: expected ssh-ed25519 ${FP_A}, got ssh-ed25519 ${FP_B}`,
    );
  });

  test("offers only the pinned key's algorithms", () => {
    expect(hostKeyAlgorithms("ssh-ed25519")).toEqual(["ssh-ed25519"]);
    expect(hostKeyAlgorithms("ssh-rsa")).toEqual(["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]);
  });
});

describe("connectionFailures", () => {
  const good = {
    host: "127.0.0.1",
    port: 2222,
    user: "paunchygent",
    hostKey: KEY_A,
    privateKey: "k",
    connectTimeoutSeconds: 10,
    commandTimeoutSeconds: 120,
  };

  test("a complete connection passes", () => {
    expect(connectionFailures(good)).toEqual([]);
  });

  test("unknown (preview) values are not judged", () => {
    expect(connectionFailures({ ...good, host: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" })).toEqual([]);
  });

  test.each([
    [{ host: "" }, "connection.host", "host must be a non-empty string"],
    [{ port: 0 }, "connection.port", "port must be an integer 1-65535, got 0"],
    [{ port: "22" }, "connection.port", 'port must be an integer 1-65535, got "22"'],
    [{ user: "root" }, "connection.user", 'user must be a non-root login name, got "root"'],
    [
      { hostKey: "nope" },
      "connection.hostKey",
      'pinned host key must be an OpenSSH public key line "type base64", got "nope"',
    ],
    [
      { commandTimeoutSeconds: 0 },
      "connection.commandTimeoutSeconds",
      "commandTimeoutSeconds must be a positive integer, got 0",
    ],
  ])("%j fails on %s", (patch, property, reason) => {
    expect(connectionFailures({ ...good, ...patch })).toEqual([{ property, reason }]);
  });

  test("a missing connection is one failure", () => {
    expect(connectionFailures(undefined)).toEqual([
      { property: "connection", reason: "connection is required" },
    ]);
  });
});
