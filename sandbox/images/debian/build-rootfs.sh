#!/usr/bin/env bash
# Builds a minimal Debian root filesystem (debootstrap minbase) and packs it as a tarball for
# `docker import`: the base of every stand-in image, made from scratch because no registry is
# reachable. Usage: build-rootfs.sh <suite> <output.tar>
set -euo pipefail

suite="${1:?usage: build-rootfs.sh <suite> <output.tar>}"
out="${2:?usage: build-rootfs.sh <suite> <output.tar>}"
here="$(cd "$(dirname "$0")" && pwd)"
mirror="${HEMMA_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

[ "$(id -u)" -eq 0 ] || { echo "build-rootfs: must run as root (debootstrap, chroot)" >&2; exit 1; }
if ! command -v debootstrap >/dev/null; then
  echo "build-rootfs: installing debootstrap from Debian" >&2
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >&2; }; then
    echo "build-rootfs: could not install debootstrap" >&2
    exit 1
  fi
fi

work="$(mktemp -d "${out}.work.XXXXXX")"
rootfs="$work/rootfs"
cleanup() {
  umount -l "$rootfs/proc" 2>/dev/null || true
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

log="$out.debootstrap.log"
echo "build-rootfs: debootstrap $suite from $mirror (log $log)" >&2
if ! debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "build-rootfs: debootstrap $suite failed; full log $log" >&2
  exit 1
fi

# Every layer built on top is copied in full by the sandbox's vfs driver, so packages installed
# later leave their docs, man pages and translations out (as Debian's slim images do).
cp -a "$here/rootfs/." "$rootfs/"
rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/*
find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete

chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin apt-get clean
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/debconf/*-old \
  "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/* "$rootfs"/tmp/* "$rootfs"/root/.cache
# The container engine supplies these at run time; baked-in copies would be the build host's.
: >"$rootfs/etc/hostname"
: >"$rootfs/etc/resolv.conf"
rm -f "$rootfs/etc/machine-id" "$rootfs/var/lib/dbus/machine-id"

tar -C "$rootfs" --numeric-owner -cf "$out.tmp" .
mv "$out.tmp" "$out"
echo "build-rootfs: wrote $out" >&2
