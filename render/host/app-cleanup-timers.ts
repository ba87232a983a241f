import type { RenderedFile } from "../types";
import { envDefault } from "./shell";
import { renderTimerPair } from "./timer-pair";

/** One Skriptoteket CLI maintenance command on a schedule (spec §5.1). */
export interface AppCleanupJob {
  /** Unit base name, e.g. `skriptoteket-sandbox-snapshots-cleanup`. */
  readonly name: string;
  /** `skriptoteket.cli` sub-command. */
  readonly command: string;
  /** `OnCalendar=` expression. */
  readonly onCalendar: string;
}

/** Settings of the Skriptoteket cleanup timers. */
export interface AppCleanupTimersArgs {
  /** Absolute path of the docker CLI (spec §11.14: units call it by path). Prod `/snap/bin/docker`. */
  readonly dockerBinary: string;
  /** Docker daemon unit the jobs require, or `""` where none is managed by systemd. Prod `snap.docker.dockerd.service`. */
  readonly dockerUnit: string;
  /** Label `key=value` the running web container carries (docs/decisions/0043). */
  readonly webContainerLabel: string;
  /** Container name tried when no labelled container runs. Default `skriptoteket-web`. */
  readonly webContainerName: string;
  /** The jobs. Default: the three documented cleanups. */
  readonly jobs: readonly AppCleanupJob[];
}

export const DEFAULT_APP_CLEANUP_JOBS: readonly AppCleanupJob[] = [
  {
    name: "skriptoteket-sandbox-snapshots-cleanup",
    command: "cleanup-sandbox-snapshots",
    onCalendar: "hourly",
  },
  { name: "skriptoteket-login-events-cleanup", command: "cleanup-login-events", onCalendar: "daily" },
  { name: "skriptoteket-session-files-cleanup", command: "cleanup-session-files", onCalendar: "hourly" },
];

export const SKRIPTOTEKET_CLI_SCRIPT = "/usr/local/bin/skriptoteket-cli";

const CLI_BODY = String.raw`
if [ "$#" -eq 0 ]; then
  echo "usage: skriptoteket-cli <skriptoteket.cli command> [args...]" >&2
  exit 64
fi
# Containers are named per deploy; the service label is stable. Newest running one first.
container=$("$SKRIPTOTEKET_DOCKER" ps --filter "label=$SKRIPTOTEKET_WEB_LABEL" --filter status=running --format '{{.Names}}' | head -n 1)
if [ -z "$container" ]; then
  if [ "$("$SKRIPTOTEKET_DOCKER" inspect -f '{{.State.Running}}' "$SKRIPTOTEKET_WEB_NAME" 2>/dev/null)" = true ]; then
    container=$SKRIPTOTEKET_WEB_NAME
  else
    echo "skriptoteket-cli: no running container with label $SKRIPTOTEKET_WEB_LABEL or name $SKRIPTOTEKET_WEB_NAME" >&2
    exit 69
  fi
fi
exec "$SKRIPTOTEKET_DOCKER" exec -e PYTHONPATH=/app/src "$container" pdm run python -m skriptoteket.cli "$@"
`;

/** `/usr/local/bin/skriptoteket-cli`: run a `skriptoteket.cli` command in the running web container. */
export function renderSkriptoteketCliScript(a: AppCleanupTimersArgs): string {
  return (
    [
      "#!/bin/bash",
      "# Rendered by hemma-infra (render/host/app-cleanup-timers.ts).",
      "set -euo pipefail",
      envDefault("SKRIPTOTEKET_DOCKER", a.dockerBinary),
      envDefault("SKRIPTOTEKET_WEB_LABEL", a.webContainerLabel),
      envDefault("SKRIPTOTEKET_WEB_NAME", a.webContainerName),
    ].join("\n") +
    "\n" +
    CLI_BODY
  );
}

/** The CLI wrapper and one service+timer pair per job. */
export function renderAppCleanupTimers(a: AppCleanupTimersArgs): RenderedFile[] {
  const files: RenderedFile[] = [
    { path: SKRIPTOTEKET_CLI_SCRIPT, mode: "0755", kind: "script", content: renderSkriptoteketCliScript(a) },
  ];
  for (const job of a.jobs) {
    files.push(
      ...renderTimerPair({
        name: job.name,
        description: `Skriptoteket ${job.command}`,
        execStart: `${SKRIPTOTEKET_CLI_SCRIPT} ${job.command}`,
        onCalendar: job.onCalendar,
        persistent: true,
        requires: a.dockerUnit ? [a.dockerUnit] : [],
        syslogIdentifier: job.name,
        timeoutStartSec: "15min",
      }),
    );
  }
  return files;
}
