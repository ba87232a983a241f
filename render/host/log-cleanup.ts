import type { RenderedFile } from "../types";
import { envDefault } from "./shell";
import { renderTimerPair } from "./timer-pair";

/** Settings of `cleanup-smart-logs` (spec §5.2): the one job that prunes host diagnostic logs. */
export interface LogCleanupArgs {
  /** `OnCalendar=` (the spec gives none). Default `daily`. */
  readonly onCalendar: string;
  /** SMART snapshot directory. Default `/root/logs/smart`. */
  readonly smartDir: string;
  /** Days SMART snapshots are kept. Default 30. */
  readonly smartRetentionDays: number;
  /** Directory of `incident-*.log`. Default `/root/logs`. */
  readonly incidentDir: string;
  /** Days incident logs are kept. Default 7 (docs/decisions/0044). */
  readonly incidentRetentionDays: number;
}

export const DEFAULT_LOG_CLEANUP: LogCleanupArgs = {
  onCalendar: "daily",
  smartDir: "/root/logs/smart",
  smartRetentionDays: 30,
  incidentDir: "/root/logs",
  incidentRetentionDays: 7,
};

export const LOG_CLEANUP_SCRIPT = "/usr/local/bin/cleanup-smart-logs.sh";

const BODY = String.raw`
# prune <dir> <days> <find name pattern> <maxdepth>: delete regular files older than <days> × 24 h.
prune() {
  local n
  if [ ! -d "$1" ]; then
    echo "$1: missing, nothing to prune"
    return 0
  fi
  n=$(find "$1" -maxdepth "$4" -type f -name "$3" -mmin +$(($2 * 1440)) -print -delete | wc -l)
  echo "$1: removed $n file(s) matching $3 older than $2 day(s)"
}

prune "$CLEANUP_SMART_DIR" "$CLEANUP_SMART_RETENTION_DAYS" '*' 3
prune "$CLEANUP_INCIDENT_DIR" "$CLEANUP_INCIDENT_RETENTION_DAYS" 'incident-*.log' 1
`;

/** `/usr/local/bin/cleanup-smart-logs.sh`. */
export function renderLogCleanupScript(a: LogCleanupArgs): string {
  return (
    [
      "#!/bin/bash",
      "# Rendered by hemma-infra (render/host/log-cleanup.ts).",
      "set -euo pipefail",
      envDefault("CLEANUP_SMART_DIR", a.smartDir),
      envDefault("CLEANUP_SMART_RETENTION_DAYS", a.smartRetentionDays),
      envDefault("CLEANUP_INCIDENT_DIR", a.incidentDir),
      envDefault("CLEANUP_INCIDENT_RETENTION_DAYS", a.incidentRetentionDays),
    ].join("\n") +
    "\n" +
    BODY
  );
}

/** Script plus `cleanup-smart-logs.service` + `.timer`. */
export function renderLogCleanup(a: LogCleanupArgs): RenderedFile[] {
  return [
    { path: LOG_CLEANUP_SCRIPT, mode: "0755", kind: "script", content: renderLogCleanupScript(a) },
    ...renderTimerPair({
      name: "cleanup-smart-logs",
      description: "Prune SMART and incident logs",
      execStart: LOG_CLEANUP_SCRIPT,
      onCalendar: a.onCalendar,
      persistent: true,
      syslogIdentifier: "cleanup-smart-logs",
    }),
  ];
}
