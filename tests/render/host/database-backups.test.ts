import { renderDatabaseBackups, type DatabaseBackupsArgs } from "../../../render/host/database-backups";
import { fileAt, sectionLines } from "./helpers";

const ARGS: DatabaseBackupsArgs = {
  databases: ["skriptoteket", "huleedu_content"],
  dir: "/home/paunchygent/backups",
  retain: 14,
  pgUser: "postgres",
  execPrefix: "/snap/bin/docker exec -i shared-postgres",
  verify: true,
  onCalendar: "*-*-* 03:15:00",
  requires: ["snap.docker.dockerd.service"],
};

describe("renderDatabaseBackups", () => {
  const files = renderDatabaseBackups(ARGS);

  it("runs nightly, catches up after downtime, and needs the docker daemon", () => {
    expect(files.map((f) => f.path)).toEqual([
      "/usr/local/bin/hemma-db-backup.sh",
      "/etc/systemd/system/hemma-db-backup.service",
      "/etc/systemd/system/hemma-db-backup.timer",
    ]);
    expect(sectionLines(fileAt(files, "/etc/systemd/system/hemma-db-backup.timer").content, "Timer")).toEqual(
      ["OnCalendar=*-*-* 03:15:00", "Persistent=true"],
    );
    const svc = fileAt(files, "/etc/systemd/system/hemma-db-backup.service").content;
    expect(sectionLines(svc, "Unit")).toEqual([
      "Description=Nightly verified pg_dump of the app databases",
      "Requires=snap.docker.dockerd.service",
      "After=snap.docker.dockerd.service",
    ]);
    expect(sectionLines(svc, "Service")).toEqual([
      "Type=oneshot",
      "ExecStart=/usr/local/bin/hemma-db-backup.sh",
      "SyslogIdentifier=hemma-db-backup",
      "TimeoutStartSec=2h",
      "Nice=10",
      "IOSchedulingClass=idle",
    ]);
  });

  it("bakes the databases, directory, retention and docker exec prefix into the script", () => {
    const lines = fileAt(files, "/usr/local/bin/hemma-db-backup.sh").content.split("\n");
    expect(lines).toEqual(
      expect.arrayContaining([
        "HEMMA_BACKUP_DIR=${HEMMA_BACKUP_DIR:-/home/paunchygent/backups}",
        "HEMMA_BACKUP_DATABASES=${HEMMA_BACKUP_DATABASES:-'skriptoteket huleedu_content'}",
        "HEMMA_BACKUP_RETAIN=${HEMMA_BACKUP_RETAIN:-14}",
        "HEMMA_BACKUP_VERIFY=${HEMMA_BACKUP_VERIFY:-1}",
        "HEMMA_BACKUP_EXEC=${HEMMA_BACKUP_EXEC-'/snap/bin/docker exec -i shared-postgres'}",
      ]),
    );
  });

  it("rejects settings that would dump nothing or keep nothing", () => {
    expect(() => renderDatabaseBackups({ ...ARGS, databases: [] })).toThrow("no databases to dump");
    expect(() => renderDatabaseBackups({ ...ARGS, retain: 0 })).toThrow(
      "retain must be a whole number >= 1, got 0",
    );
    expect(() => renderDatabaseBackups({ ...ARGS, databases: ["x; rm -rf /"] })).toThrow(
      "is not a plain SQL identifier",
    );
  });
});
