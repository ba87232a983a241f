import type { RenderedFile } from "../types";
import { renderUnitFile, unitPath, type UnitDirective } from "./unit-file";

/** A oneshot service run by a timer of the same name. */
export interface TimerPairArgs {
  /** Unit base name, e.g. `heartbeat-log` (gives `heartbeat-log.service` and `.timer`). */
  readonly name: string;
  /** `Description=` of the service; the timer's is derived from it. */
  readonly description: string;
  /** The `ExecStart=` line (already quoted for systemd). */
  readonly execStart: string;
  /** `OnCalendar=` expression. */
  readonly onCalendar: string;
  /** `Persistent=true`: run a missed activation after boot. */
  readonly persistent: boolean;
  /** Units the service needs running (`Requires=` + `After=`), e.g. the Docker daemon. */
  readonly requires?: readonly string[];
  /** Units the service wants and orders after (`Wants=` + `After=`), e.g. `network-online.target`. */
  readonly wants?: readonly string[];
  /** `SyslogIdentifier=` (the journal tag). */
  readonly syslogIdentifier?: string;
  /** `AccuracySec=` of the timer (systemd's default is 1min). */
  readonly accuracySec?: string;
  /** `RandomizedDelaySec=` of the timer. */
  readonly randomizedDelaySec?: string;
  /** `TimeoutStartSec=` of the service, bounding one run. */
  readonly timeoutStartSec?: string;
  /** Extra `[Service]` directives appended after the standard ones. */
  readonly extraService?: readonly UnitDirective[];
}

/** The service and timer files of one scheduled job. */
export function renderTimerPair(a: TimerPairArgs): RenderedFile[] {
  const unit: UnitDirective[] = [["Description", a.description]];
  const requires = a.requires ?? [];
  const wants = a.wants ?? [];
  if (requires.length > 0) unit.push(["Requires", requires.join(" ")]);
  if (wants.length > 0) unit.push(["Wants", wants.join(" ")]);
  if (requires.length + wants.length > 0) unit.push(["After", [...requires, ...wants].join(" ")]);
  const service: UnitDirective[] = [
    ["Type", "oneshot"],
    ["ExecStart", a.execStart],
  ];
  if (a.syslogIdentifier) service.push(["SyslogIdentifier", a.syslogIdentifier]);
  if (a.timeoutStartSec) service.push(["TimeoutStartSec", a.timeoutStartSec]);
  service.push(...(a.extraService ?? []));
  const timer: UnitDirective[] = [["OnCalendar", a.onCalendar]];
  if (a.persistent) timer.push(["Persistent", "true"]);
  if (a.accuracySec) timer.push(["AccuracySec", a.accuracySec]);
  if (a.randomizedDelaySec) timer.push(["RandomizedDelaySec", a.randomizedDelaySec]);
  const comment = "Rendered by hemma-infra.";
  return [
    {
      path: unitPath(`${a.name}.service`),
      mode: "0644",
      kind: "unit",
      content: renderUnitFile(
        [
          { name: "Unit", directives: unit },
          { name: "Service", directives: service },
        ],
        comment,
      ),
    },
    {
      path: unitPath(`${a.name}.timer`),
      mode: "0644",
      kind: "unit",
      content: renderUnitFile(
        [
          { name: "Unit", directives: [["Description", `Schedule: ${a.description}`]] },
          { name: "Timer", directives: timer },
          { name: "Install", directives: [["WantedBy", "timers.target"]] },
        ],
        comment,
      ),
    },
  ];
}

/** Names of the timers among rendered files (`foo.timer`), for enabling and for `list-timers` checks. */
export function timerUnitNames(files: readonly RenderedFile[]): string[] {
  return files
    .map((f) => f.path)
    .filter((p) => p.startsWith("/etc/systemd/system/") && p.endsWith(".timer") && !p.includes(".d/"))
    .map((p) => p.slice("/etc/systemd/system/".length));
}
