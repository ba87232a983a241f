import * as pulumi from "@pulumi/pulumi";
import { installMocks, isSecretOutput } from "../../../scripts/mock-engine";
import { DIAL_ERROR_LIMIT, sshConnection } from "../../../components/actions/ssh-connection";

installMocks();

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

test("builds exactly the typed fields, with a low dial limit and a per-dial timeout", () => {
  const c = sshConnection({
    host: "h",
    port: 2222,
    user: "u",
    hostKey: KEY,
    privateKey: "k",
    connectTimeoutSeconds: 7,
  });
  expect(Object.keys(c).sort()).toEqual([
    "dialErrorLimit",
    "host",
    "hostKey",
    "perDialTimeout",
    "port",
    "privateKey",
    "user",
  ]);
  expect(c).toMatchObject({
    host: "h",
    port: 2222,
    user: "u",
    hostKey: KEY,
    dialErrorLimit: DIAL_ERROR_LIMIT,
    perDialTimeout: 7,
  });
  expect(DIAL_ERROR_LIMIT).toBe(3);
});

test("the private key is a secret even when given in plain text", async () => {
  const c = sshConnection({ host: "h", port: 22, user: "u", hostKey: KEY, privateKey: "plain-key" });
  expect(await isSecretOutput(c.privateKey as pulumi.Input<string>)).toBe(true);
  expect(c.perDialTimeout).toBe(10);
});

test("extra fields on the input never reach the connection", () => {
  const target = { host: "h", port: 22, user: "u", hostKey: KEY, privateKey: "k", password: "oops" };
  expect(Object.keys(sshConnection(target))).not.toContain("password");
});

test("an empty host key is refused", () => {
  expect(() => sshConnection({ host: "h", port: 22, user: "u", hostKey: " ", privateKey: "k" })).toThrow(
    "hostKey is empty",
  );
});
