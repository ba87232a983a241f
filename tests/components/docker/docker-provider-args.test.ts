import { dockerProviderSettings } from "../../../components/docker/docker-provider-args";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

test("ssh:// pins the host key and fails fast", () => {
  expect(
    dockerProviderSettings({ host: "ssh://root@hemma:2222", hostKey: KEY, connectTimeoutSeconds: 7 }),
  ).toEqual({
    host: "ssh://root@hemma:2222",
    sshOpts: [
      "-o",
      "StrictHostKeyChecking=yes",
      "-o",
      "UserKnownHostsFile=/dev/null",
      "-o",
      "GlobalKnownHostsFile=/dev/null",
      "-o",
      `KnownHostsCommand=/bin/echo %H ${KEY}`,
      "-o",
      "BatchMode=yes",
      "-o",
      "ConnectTimeout=7",
      "-o",
      "ControlMaster=auto",
      "-o",
      "ControlPath=/tmp/hemma-ssh-%C",
      "-o",
      "ControlPersist=60",
    ],
  });
});

test.each([["unix:///var/run/docker.sock"], ["tcp://10.0.0.1:2376"]])("%s needs no ssh options", (host) => {
  expect(dockerProviderSettings({ host, hostKey: "", connectTimeoutSeconds: 7 })).toEqual({
    host,
    sshOpts: [],
  });
});

test.each([[""], ["ssh-ed25519"], ["ssh-ed25519 AAAA C"], ["ssh-ed25519 AAAA;rm"]])(
  "ssh:// refuses host key %j",
  (hostKey) => {
    expect(() => dockerProviderSettings({ host: "ssh://u@h", hostKey, connectTimeoutSeconds: 7 })).toThrow(
      "needs a pinned host key line",
    );
  },
);
