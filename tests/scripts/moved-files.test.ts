import type { EngineEvent } from "@pulumi/pulumi/automation";
import { movedFiles } from "../../scripts/moved-files";

const outputs = (op: string, name: string, backups: unknown): EngineEvent =>
  ({
    sequence: 1,
    timestamp: 1,
    resOutputsEvent: {
      metadata: {
        op,
        urn: `urn:pulumi:dev::hemma::hemma:edge:SshdHardening$pulumi-nodejs:dynamic/host:HostFile::${name}`,
        type: "pulumi-nodejs:dynamic/host:HostFile",
        provider: "p",
        new: { type: "t", urn: "u", id: "i", parent: "", provider: "p", inputs: {}, outputs: { backups } },
      },
    },
  }) as unknown as EngineEvent;

test("one line per file an update or create moved, naming its copy and the resource that found it", () => {
  expect(
    movedFiles([
      outputs("update", "edge-sshd-drop-in", [
        "/etc/ssh/sshd_config.d/50-x.conf -> /var/lib/hemma-infra/backups/20261201T120000Z/etc/ssh/sshd_config.d/50-x.conf",
      ]),
      outputs("same", "unchanged", ["/a -> /b"]),
      outputs("update", "no-backups", []),
      outputs("update", "state-from-old-code", undefined),
      outputs("create", "new-unit", [
        "/run/systemd/system/x.service -> /var/lib/hemma-infra/backups/T/run/systemd/system/x.service",
      ]),
    ]),
  ).toEqual([
    "moved /etc/ssh/sshd_config.d/50-x.conf to /var/lib/hemma-infra/backups/20261201T120000Z/etc/ssh/sshd_config.d/50-x.conf (not declared; found by edge-sshd-drop-in)",
    "moved /run/systemd/system/x.service to /var/lib/hemma-infra/backups/T/run/systemd/system/x.service (not declared; found by new-unit)",
  ]);
});
