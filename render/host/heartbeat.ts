import type { RenderedFile } from "../types";
import { renderTimerPair } from "./timer-pair";

/** Settings of the heartbeat log (spec §5.2): proof in the journal that the host was alive. */
export interface HeartbeatArgs {
  /** `OnCalendar=`. Default `minutely`. */
  readonly onCalendar: string;
  /** Journal tag. Default `heartbeat` (`journalctl -t heartbeat`). */
  readonly tag: string;
}

export const DEFAULT_HEARTBEAT: HeartbeatArgs = { onCalendar: "minutely", tag: "heartbeat" };

/** `heartbeat-log.service` + `.timer`: writes `ok` to the journal with the tag. */
export function renderHeartbeat(a: HeartbeatArgs): RenderedFile[] {
  return renderTimerPair({
    name: "heartbeat-log",
    description: "Heartbeat log entry",
    execStart: "/usr/bin/echo ok",
    onCalendar: a.onCalendar,
    persistent: false,
    syslogIdentifier: a.tag,
    // The gap between entries dates a hang; the default 1 min accuracy would blur it.
    accuracySec: "1s",
  });
}
