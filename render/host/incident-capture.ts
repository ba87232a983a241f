import type { RenderedFile } from "../types";
import { envDefault } from "./shell";
import { renderTimerPair } from "./timer-pair";

/** Settings of the rolling incident capture (spec §5.2). */
export interface IncidentCaptureArgs {
  /** `OnCalendar=`. Default every 5 minutes (`*:0/5`). */
  readonly onCalendar: string;
  /** Directory of `incident-*.log`. Default `/root/logs`. */
  readonly logDir: string;
  /** Minutes of journal each capture covers. Default 10. */
  readonly windowMinutes: number;
  /** Lowest priority of the whole-system journal section (`journalctl -p`). Default `info`. */
  readonly systemJournalPriority: string;
  /** Units whose logs are captured in full. Default the llama and tabby services. */
  readonly serviceUnits: readonly string[];
  /** PCI address of the GPU whose runtime-PM state is captured. Default `0000:0b:00.0`. */
  readonly gpuPciAddress: string;
  /** Path of rocm-smi. Default `/opt/rocm/bin/rocm-smi`. */
  readonly rocmSmi: string;
  /** `INCIDENT_GPU_EDGE_WARN_C`. Default 90. */
  readonly gpuEdgeWarnC: number;
  /** `INCIDENT_GPU_JUNCTION_WARN_C`. Default 100. */
  readonly gpuJunctionWarnC: number;
  /** `INCIDENT_GPU_MEM_WARN_C`. Default 95. */
  readonly gpuMemWarnC: number;
  /** `INCIDENT_GPU_PPT_WARN_W`. Default 300. */
  readonly gpuPptWarnW: number;
  /** `INCIDENT_CPU_TCTL_WARN_C`. Default 90. */
  readonly cpuTctlWarnC: number;
}

export const DEFAULT_INCIDENT_CAPTURE: IncidentCaptureArgs = {
  onCalendar: "*:0/5",
  logDir: "/root/logs",
  windowMinutes: 10,
  systemJournalPriority: "info",
  serviceUnits: ["llama-server-rocm.service", "tabby.service"],
  gpuPciAddress: "0000:0b:00.0",
  rocmSmi: "/opt/rocm/bin/rocm-smi",
  gpuEdgeWarnC: 90,
  gpuJunctionWarnC: 100,
  gpuMemWarnC: 95,
  gpuPptWarnW: 300,
  cpuTctlWarnC: 90,
};

export const INCIDENT_CAPTURE_SCRIPT = "/usr/local/bin/skriptoteket-incident-capture.sh";

const BODY = String.raw`
section() { printf '\n===== %s =====\n' "$1"; }

# hwmon_value <chip name> <label> <kind: temp|power>: the reading in degrees C or watts (integer).
hwmon_value() {
  local d l base v
  for d in "$INCIDENT_HWMON_ROOT"/hwmon*; do
    [ "$(cat "$d/name" 2>/dev/null)" = "$1" ] || continue
    for l in "$d"/"$3"*_label; do
      if [ ! -e "$l" ] || [ "$(cat "$l")" != "$2" ]; then continue; fi
      base=${"$"}{l%_label}
      if [ "$3" = temp ]; then
        v=$(cat "${"$"}{base}_input" 2>/dev/null) || continue
        echo $((v / 1000))
      else
        v=$(cat "${"$"}{base}_average" 2>/dev/null || cat "${"$"}{base}_input" 2>/dev/null) || continue
        echo $((v / 1000000))
      fi
      return 0
    done
  done
  return 1
}

# warn_if <variable name> <chip> <label> <kind> <threshold> <unit>
warn_if() {
  local v
  v=$(hwmon_value "$2" "$3" "$4") || return 0
  if [ "$v" -ge "$5" ]; then
    echo "WARN $1: $2 $3 = $v$6 (threshold $5$6)"
  fi
}

thresholds() {
  warn_if INCIDENT_GPU_EDGE_WARN_C amdgpu edge temp "$INCIDENT_GPU_EDGE_WARN_C" C
  warn_if INCIDENT_GPU_JUNCTION_WARN_C amdgpu junction temp "$INCIDENT_GPU_JUNCTION_WARN_C" C
  warn_if INCIDENT_GPU_MEM_WARN_C amdgpu mem temp "$INCIDENT_GPU_MEM_WARN_C" C
  warn_if INCIDENT_GPU_PPT_WARN_W amdgpu PPT power "$INCIDENT_GPU_PPT_WARN_W" W
  warn_if INCIDENT_CPU_TCTL_WARN_C k10temp Tctl temp "$INCIDENT_CPU_TCTL_WARN_C" C
}

umask 077
mkdir -p "$INCIDENT_LOG_DIR"
stamp=$(date +%Y%m%d-%H%M%S)
out="$INCIDENT_LOG_DIR/incident-$stamp.log"
# Written under a temporary name and renamed: a crash mid-capture leaves no empty incident file.
tmp="$INCIDENT_LOG_DIR/.incident-$stamp.log.tmp"
since="-${"$"}{INCIDENT_WINDOW_MINUTES}min"
warnings=$(thresholds)
if [ -n "$warnings" ]; then
  printf '<4>%s\n' "$warnings" >&2
fi
units=()
for u in $INCIDENT_SERVICE_UNITS; do units+=(-u "$u"); done
{
  echo "incident capture $(date -Is) on $(hostname), window ${"$"}{INCIDENT_WINDOW_MINUTES} min"
  section "threshold warnings"
  echo "${"$"}{warnings:-none}"
  section "boots"
  journalctl --list-boots --no-pager 2>&1 | tail -n 10
  section "kernel journal"
  journalctl -k --since "$since" --no-pager -o short-iso 2>&1
  section "system journal (priority $INCIDENT_SYSTEM_JOURNAL_PRIORITY and above)"
  journalctl --since "$since" -p "$INCIDENT_SYSTEM_JOURNAL_PRIORITY" --no-pager -o short-iso 2>&1
  if [ "${"$"}{#units[@]}" -gt 0 ]; then
    section "service logs: $INCIDENT_SERVICE_UNITS"
    journalctl --since "$since" "${"$"}{units[@]}" --no-pager -o short-iso 2>&1
  fi
  section "GPU runtime state ($INCIDENT_GPU_PCI)"
  for f in power/runtime_status power/control power_state current_link_speed; do
    printf '%s: %s\n' "$f" "$(cat "$INCIDENT_PCI_ROOT/$INCIDENT_GPU_PCI/$f" 2>/dev/null || echo unavailable)"
  done
  section "rocm-smi"
  if [ -x "$INCIDENT_ROCM_SMI" ]; then
    timeout 20 "$INCIDENT_ROCM_SMI" --showpower --showtemp --showclocks 2>&1
  else
    echo "not installed"
  fi
  section "hwmon"
  for d in "$INCIDENT_HWMON_ROOT"/hwmon*; do
    [ -d "$d" ] || continue
    echo "$(basename "$d") $(cat "$d/name" 2>/dev/null)"
    for f in "$d"/*_input "$d"/*_average; do
      [ -e "$f" ] && printf '  %s=%s\n' "$(basename "$f")" "$(cat "$f" 2>/dev/null)"
    done
  done
  if command -v sensors >/dev/null 2>&1; then
    section "sensors"
    timeout 10 sensors 2>&1
  fi
} > "$tmp" 2>&1
mv -f "$tmp" "$out"
echo "wrote $out"
`;

/** `/usr/local/bin/skriptoteket-incident-capture.sh`. */
export function renderIncidentCaptureScript(a: IncidentCaptureArgs): string {
  return (
    [
      "#!/bin/bash",
      "# Rendered by hemma-infra (render/host/incident-capture.ts). Retention: cleanup-smart-logs (docs/decisions/0044).",
      "set -u",
      envDefault("INCIDENT_LOG_DIR", a.logDir),
      envDefault("INCIDENT_WINDOW_MINUTES", a.windowMinutes),
      envDefault("INCIDENT_SYSTEM_JOURNAL_PRIORITY", a.systemJournalPriority),
      envDefault("INCIDENT_SERVICE_UNITS", a.serviceUnits.join(" ")),
      envDefault("INCIDENT_GPU_PCI", a.gpuPciAddress),
      envDefault("INCIDENT_PCI_ROOT", "/sys/bus/pci/devices"),
      envDefault("INCIDENT_HWMON_ROOT", "/sys/class/hwmon"),
      envDefault("INCIDENT_ROCM_SMI", a.rocmSmi),
      envDefault("INCIDENT_GPU_EDGE_WARN_C", a.gpuEdgeWarnC),
      envDefault("INCIDENT_GPU_JUNCTION_WARN_C", a.gpuJunctionWarnC),
      envDefault("INCIDENT_GPU_MEM_WARN_C", a.gpuMemWarnC),
      envDefault("INCIDENT_GPU_PPT_WARN_W", a.gpuPptWarnW),
      envDefault("INCIDENT_CPU_TCTL_WARN_C", a.cpuTctlWarnC),
    ].join("\n") +
    "\n" +
    BODY
  );
}

/** Script plus `skriptoteket-incident-capture.service` + `.timer`. */
export function renderIncidentCapture(a: IncidentCaptureArgs): RenderedFile[] {
  return [
    { path: INCIDENT_CAPTURE_SCRIPT, mode: "0755", kind: "script", content: renderIncidentCaptureScript(a) },
    ...renderTimerPair({
      name: "skriptoteket-incident-capture",
      description: "Rolling incident snapshot (journal, GPU, sensors)",
      execStart: INCIDENT_CAPTURE_SCRIPT,
      onCalendar: a.onCalendar,
      persistent: false,
      syslogIdentifier: "skriptoteket-incident-capture",
      accuracySec: "10s",
      timeoutStartSec: "4min",
    }),
  ];
}
