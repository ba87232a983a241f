/** The pooled SSH connection's socket, against an in-process SSH server on loopback. */
import * as net from "node:net";
import { Server, utils } from "ssh2";
import type { HostConnectionState } from "../../providers/host-connection";
import { closeHostConnections, hostChanges, runRemote } from "../../providers/ssh-pool";

const hostKey = utils.generateKeyPairSync("ed25519");
const clientKey = utils.generateKeyPairSync("ed25519");

let server: Server;
let port: number;
beforeAll(async () => {
  // Accepts the test key and answers every exec with "ok" and exit 0, reading the script first.
  server = new Server({ hostKeys: [hostKey.private] }, (client) => {
    client.on("authentication", (ctx) => (ctx.method === "publickey" ? ctx.accept() : ctx.reject()));
    client.on("session", (accept) => {
      accept().on("exec", (acceptExec) => {
        const stream = acceptExec();
        stream.on("data", () => undefined);
        stream.on("end", () => {
          stream.write("ok\n");
          stream.exit(0);
          stream.end();
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  closeHostConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The login of the in-process server. */
const loopbackConnection = (): HostConnectionState => ({
  host: "127.0.0.1",
  port,
  user: "paunchygent",
  hostKey: hostKey.public,
  privateKey: clientKey.private,
  connectTimeoutSeconds: 20,
  commandTimeoutSeconds: 20,
});

test("turns Nagle's algorithm off: each small script and answer would wait for a delayed ACK", async () => {
  const setNoDelay = jest.spyOn(net.Socket.prototype, "setNoDelay");
  const conn = loopbackConnection();
  expect(await runRemote(conn, "probe", "true")).toEqual({ code: 0, stdout: "ok\n", stderr: "" });
  expect(setNoDelay).toHaveBeenCalledWith(true);
  setNoDelay.mockRestore();
});

test("a run not marked read-only counts as a change of its host, before and after; a read-only run does not", async () => {
  const conn = loopbackConnection();
  const before = hostChanges(conn);
  await runRemote(conn, "read", "true", undefined, { readOnly: true });
  expect(hostChanges(conn)).toBe(before);
  const write = runRemote(conn, "write", "true");
  expect(hostChanges(conn)).toBe(before + 1);
  await write;
  expect(hostChanges(conn)).toBe(before + 2);
  expect(hostChanges({ ...conn, port: port + 1 })).toBe(0);
});
