#!/usr/bin/env bash
# Makes sure a Docker Engine answers on this machine, starting Debian's `dockerd` in the
# background when none does (our machines have docker.io installed but no init system to
# start it). Picks overlay2 when the kernel can mount an overlay here, vfs otherwise.
# Logs go to $HEMMA_CACHE_DIR/dockerd.log. Exit 0 when `docker info` answers.
set -euo pipefail

CACHE_DIR="${HEMMA_CACHE_DIR:-$HOME/.cache/hemma-infra}"
LOG="$CACHE_DIR/dockerd.log"
WAIT_SECONDS="${HEMMA_DOCKERD_WAIT_SECONDS:-60}"
# Extra dockerd arguments, e.g. a second engine on its own socket and data root (with DOCKER_HOST).
# Never `--bridge none` next to a running engine: dockerd then deletes the shared docker0 interface.
read -r -a EXTRA_ARGS <<<"${HEMMA_DOCKERD_ARGS:-}"
mkdir -p "$CACHE_DIR"

if docker info >/dev/null 2>&1; then
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "start-dockerd: Docker Engine is not running and starting it needs root" >&2; exit 1; }
if ! command -v dockerd >/dev/null; then
  # A fresh machine has only the docker client; Debian's docker.io brings the engine.
  echo "start-dockerd: installing docker.io from Debian" >&2
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >&2; }; then
    echo "start-dockerd: could not install docker.io" >&2
    exit 1
  fi
fi

# overlay2 needs the kernel to mount an overlay on the data root's filesystem; some nested
# machines refuse it, so probe with a real mount instead of trusting /proc/filesystems.
overlay_works() {
  local probe
  mkdir -p /var/lib/docker
  probe="$(mktemp -d /var/lib/docker/.overlay-probe.XXXXXX)"
  mkdir -p "$probe/lower" "$probe/upper" "$probe/work" "$probe/merged"
  if mount -t overlay overlay -o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" "$probe/merged" 2>/dev/null; then
    umount "$probe/merged"
    rm -rf "$probe"
    return 0
  fi
  rm -rf "$probe"
  return 1
}

driver="${HEMMA_DOCKER_STORAGE_DRIVER:-}"
if [ -z "$driver" ]; then
  if overlay_works; then driver=overlay2; else driver=vfs; fi
fi

start() {
  echo "start-dockerd: starting dockerd (storage driver $1), log $LOG" >&2
  nohup dockerd --storage-driver="$1" "${EXTRA_ARGS[@]}" >>"$LOG" 2>&1 </dev/null &
  local pid=$! i
  for ((i = 0; i < WAIT_SECONDS; i++)); do
    if docker info >/dev/null 2>&1; then
      echo "$pid" >"$CACHE_DIR/dockerd.pid"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "start-dockerd: dockerd (storage driver $1) exited during start-up" >&2
      return 1
    fi
    sleep 1
  done
  echo "start-dockerd: dockerd (storage driver $1) did not answer within ${WAIT_SECONDS}s" >&2
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return 1
}

if start "$driver"; then
  exit 0
fi
if [ "$driver" != vfs ] && [ -z "${HEMMA_DOCKER_STORAGE_DRIVER:-}" ]; then
  echo "start-dockerd: dockerd did not come up with $driver, retrying with vfs" >&2
  start vfs && exit 0
fi
echo "start-dockerd: no Docker Engine; last lines of $LOG:" >&2
tail -n 5 "$LOG" >&2
exit 1
