import type { RenderedFile } from "../types";
import { envDefault } from "./shell";
import { renderTimerPair } from "./timer-pair";

/** One page checked for a release marker. */
export interface ReleaseWatch {
  /** What a match means, e.g. `amdgpu 30.30.x package line`. */
  readonly name: string;
  /** Page fetched with curl. */
  readonly url: string;
  /** Extended regular expression whose match flags the release. */
  readonly pattern: string;
}

/** Settings of the daily AMDGPU release watch (spec §5.2). */
export interface AmdgpuReleaseWatchArgs {
  /** `OnCalendar=`. Default `daily`. */
  readonly onCalendar: string;
  /** Pages and markers (docs/decisions/0046). */
  readonly watches: readonly ReleaseWatch[];
}

export const DEFAULT_AMDGPU_RELEASE_WATCH: AmdgpuReleaseWatchArgs = {
  onCalendar: "daily",
  watches: [
    {
      name: "amdgpu 30.30.x package line",
      url: "https://repo.radeon.com/amdgpu/",
      pattern: "30\\.30(\\.[0-9]+)?/",
    },
    {
      name: "Radeon Software for Linux 25.40 release notes",
      url: "https://www.amd.com/en/resources/support-articles/release-notes/RN-RAD-LNX-25-40.html",
      pattern: "25\\.40",
    },
  ],
};

export const AMDGPU_RELEASE_WATCH_SCRIPT = "/usr/local/bin/amdgpu-release-watch.sh";

const BODY = String.raw`
failed=0
found=0
while IFS=$'\t' read -r name url pattern; do
  [ -n "$name" ] || continue
  if ! page=$(curl -fsSL --max-time "$AMDGPU_WATCH_TIMEOUT" "$url" 2>&1); then
    echo "<3>fetch failed: $url"
    failed=1
    continue
  fi
  if grep -Eq -- "$pattern" <<< "$page"; then
    echo "<4>NEW RELEASE: $name ($url matches $pattern)"
    found=1
  else
    echo "no release yet: $name"
  fi
done <<< "$AMDGPU_WATCH_SPEC"
[ "$found" -eq 0 ] || echo "<4>new AMDGPU release found: plan the upgrade (spec §10: ROCm upgrade)"
exit "$failed"
`;

/** `/usr/local/bin/amdgpu-release-watch.sh`. */
export function renderAmdgpuReleaseWatchScript(a: AmdgpuReleaseWatchArgs): string {
  const spec = a.watches.map((w) => [w.name, w.url, w.pattern].join("\t")).join("\n");
  return (
    [
      "#!/bin/bash",
      "# Rendered by hemma-infra (render/host/amdgpu-release-watch.ts). Lines prefixed <N> set the journal priority.",
      "set -u",
      envDefault("AMDGPU_WATCH_TIMEOUT", 30),
      "# One watch per line, tab-separated: name, url, extended regex.",
      envDefault("AMDGPU_WATCH_SPEC", spec),
    ].join("\n") +
    "\n" +
    BODY
  );
}

/** Script plus `amdgpu-release-watch.service` + `.timer`. */
export function renderAmdgpuReleaseWatch(a: AmdgpuReleaseWatchArgs): RenderedFile[] {
  for (const w of a.watches) {
    if ([w.name, w.url, w.pattern].some((s) => /[\t\n]/.test(s))) {
      throw new Error(`release watch ${JSON.stringify(w.name)}: no tabs or newlines in name, url or pattern`);
    }
  }
  return [
    {
      path: AMDGPU_RELEASE_WATCH_SCRIPT,
      mode: "0755",
      kind: "script",
      content: renderAmdgpuReleaseWatchScript(a),
    },
    ...renderTimerPair({
      name: "amdgpu-release-watch",
      description: "Watch for new AMDGPU/ROCm releases",
      execStart: AMDGPU_RELEASE_WATCH_SCRIPT,
      onCalendar: a.onCalendar,
      persistent: true,
      wants: ["network-online.target"],
      syslogIdentifier: "amdgpu-release-watch",
      randomizedDelaySec: "1h",
    }),
  ];
}
