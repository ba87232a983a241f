import type { RenderedFile } from "../types";
import { envDefault } from "./shell";
import { renderTimerPair } from "./timer-pair";

/** One supply rail read from the Super I/O chip, with its healthy band (spec §5.2). */
export interface PowerRail {
  /** Label in logs and alerts, e.g. `+12V`. */
  readonly label: string;
  /** hwmon input, e.g. `in2` (reads `in2_input`, millivolts). */
  readonly input: string;
  /** Divider factor applied to the reading (`+12V` is `in2` × 6). */
  readonly scale: number;
  /** Lowest healthy value in volts. */
  readonly min: number;
  /** Highest healthy value in volts. */
  readonly max: number;
}

/** Settings of the power-rail logger. */
export interface PowerRailsArgs {
  /** `OnCalendar=` (the spec gives none). Default every 10 minutes. */
  readonly onCalendar: string;
  /** hwmon chip name. Default `it8665` (the IT8665E on the it87 DKMS driver). */
  readonly chip: string;
  /** Log directory (snapshots and `alerts.log`). Default `/root/logs/power-rails`. */
  readonly logDir: string;
  /** Days snapshots are kept. Default 30. */
  readonly retentionDays: number;
  /** Rails and thresholds. Default: the five documented rails (docs/decisions/0045). */
  readonly rails: readonly PowerRail[];
}

export const DEFAULT_POWER_RAILS: PowerRailsArgs = {
  onCalendar: "*:0/10",
  chip: "it8665",
  logDir: "/root/logs/power-rails",
  retentionDays: 30,
  rails: [
    { label: "3VSB", input: "in7", scale: 1, min: 3.0, max: 3.6 },
    { label: "+3.3V", input: "in9", scale: 1, min: 3.0, max: 3.6 },
    { label: "Vbat", input: "in8", scale: 1, min: 2.7, max: 3.4 },
    { label: "+12V", input: "in2", scale: 6, min: 11.4, max: 12.6 },
    { label: "+5V", input: "in3", scale: 2.5, min: 4.75, max: 5.25 },
  ],
};

export const POWER_RAILS_SCRIPT = "/usr/local/bin/log-power-rails.sh";

const BODY = String.raw`
chip_dir=""
for d in "$POWER_RAILS_HWMON_ROOT"/hwmon*; do
  if [ "$(cat "$d/name" 2>/dev/null)" = "$POWER_RAILS_CHIP" ]; then chip_dir=$d; break; fi
done
if [ -z "$chip_dir" ]; then
  echo "no hwmon chip named $POWER_RAILS_CHIP (is the it87 module loaded?)" >&2
  exit 1
fi
umask 077
mkdir -p "$POWER_RAILS_LOG_DIR"
now=$(date -Is)
stamp=$(date +%Y%m%d-%H%M%S)
tmp="$POWER_RAILS_LOG_DIR/.sensors-$stamp.log.tmp"
alerts=0
{
  echo "power rails $now ($chip_dir)"
  while read -r label input scale min max; do
    [ -n "$label" ] || continue
    if ! raw=$(cat "$chip_dir/${"$"}{input}_input" 2>/dev/null); then
      echo "$label: $input unreadable"
      echo "$now $label: $input unreadable" >> "$POWER_RAILS_LOG_DIR/alerts.log"
      alerts=$((alerts + 1))
      continue
    fi
    volts=$(awk -v r="$raw" -v s="$scale" 'BEGIN { printf "%.3f", r / 1000 * s }')
    if awk -v v="$volts" -v lo="$min" -v hi="$max" 'BEGIN { exit !(v < lo || v > hi) }'; then
      echo "$label: $volts V outside $min-$max V ALERT"
      echo "$now $label=$volts V outside $min-$max V ($input x $scale)" >> "$POWER_RAILS_LOG_DIR/alerts.log"
      alerts=$((alerts + 1))
    else
      echo "$label: $volts V ok ($min-$max V)"
    fi
  done <<< "$POWER_RAILS_SPEC"
  if command -v sensors >/dev/null 2>&1; then
    echo
    timeout 10 sensors 2>&1
  fi
} > "$tmp"
mv -f "$tmp" "$POWER_RAILS_LOG_DIR/sensors-$stamp.log"
find "$POWER_RAILS_LOG_DIR" -maxdepth 1 -type f -name 'sensors-*.log' -mmin +$((POWER_RAILS_RETENTION_DAYS * 1440)) -delete
if [ "$alerts" -gt 0 ]; then
  echo "<4>$alerts rail(s) out of range; see $POWER_RAILS_LOG_DIR/alerts.log" >&2
fi
`;

/** The rails as the script's spec lines: `label input scale min max`. */
export function powerRailSpec(rails: readonly PowerRail[]): string {
  return rails
    .map((r) => `${r.label} ${r.input} ${r.scale} ${r.min.toFixed(2)} ${r.max.toFixed(2)}`)
    .join("\n");
}

/** `/usr/local/bin/log-power-rails.sh`. */
export function renderPowerRailsScript(a: PowerRailsArgs): string {
  return (
    [
      "#!/bin/bash",
      "# Rendered by hemma-infra (render/host/power-rails.ts).",
      "set -u",
      envDefault("POWER_RAILS_CHIP", a.chip),
      envDefault("POWER_RAILS_HWMON_ROOT", "/sys/class/hwmon"),
      envDefault("POWER_RAILS_LOG_DIR", a.logDir),
      envDefault("POWER_RAILS_RETENTION_DAYS", a.retentionDays),
      "# One rail per line: label, hwmon input, scale, min volts, max volts.",
      envDefault("POWER_RAILS_SPEC", powerRailSpec(a.rails)),
    ].join("\n") +
    "\n" +
    BODY
  );
}

/** Script plus `log-power-rails.service` + `.timer`. */
export function renderPowerRails(a: PowerRailsArgs): RenderedFile[] {
  for (const r of a.rails) {
    if (!/^[A-Za-z0-9.+_-]+$/.test(r.label) || !/^in[0-9]+$/.test(r.input) || !(r.min < r.max)) {
      throw new Error(`power rail ${JSON.stringify(r)}: label without spaces, input inN, min < max`);
    }
  }
  return [
    { path: POWER_RAILS_SCRIPT, mode: "0755", kind: "script", content: renderPowerRailsScript(a) },
    ...renderTimerPair({
      name: "log-power-rails",
      description: "Log supply rails and alert on out-of-range values",
      execStart: POWER_RAILS_SCRIPT,
      onCalendar: a.onCalendar,
      persistent: false,
      syslogIdentifier: "log-power-rails",
    }),
  ];
}
