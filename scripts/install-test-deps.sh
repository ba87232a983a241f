#!/usr/bin/env bash
# Installs what `npm test` runs for real besides Node: the validators and servers the render,
# script and edge tests drive (systemd-analyze, shellcheck, PostgreSQL 15, nginx, sshd,
# fail2ban, ufw on a private root, htpasswd, nft in a private netns, promtool from Debian's
# prometheus package for the observability config and alert-rule tests), the Python packages of the
# sandbox app's base image (its tests run the app on this machine), and actionlint, which the
# workflow test runs (a Go module, built once into ~/.cache/hemma-infra). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(systemd shellcheck postgresql-15 nginx openssh-server fail2ban ufw apache2-utils nftables
  python3-fastapi python3-uvicorn python3-psycopg2 prometheus)
missing=()
for pkg in "${packages[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "install-test-deps: missing ${missing[*]}; run as root to install them" >&2; exit 1; }
  echo "install-test-deps: installing ${missing[*]}" >&2
  apt-get update -qq
  # Only the packages' tools are wanted: no daemon may start (prometheus's postinst would start
  # one on port 9090), so a policy-rc.d refuses every start while they install.
  own_policy=false
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    own_policy=true
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  if $own_policy; then rm -f /usr/sbin/policy-rc.d; fi
  # On a host booted with systemd the unit is enabled by the postinst; keep it off across reboots.
  if [ -d /run/systemd/system ] && systemctl is-enabled --quiet prometheus.service 2>/dev/null; then
    systemctl disable --now prometheus.service >&2
  fi
fi
scripts/ensure-actionlint.sh >/dev/null
echo "install-test-deps: ready"
