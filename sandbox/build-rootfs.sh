#!/usr/bin/env bash
# Builds the sandbox's Debian bookworm root filesystem and packs it as a tarball for
# `docker import` (no registry is reachable, so no image can be pulled: the image is made
# from scratch). Usage: build-rootfs.sh <output.tar>
# Every input that changes the result lives in this file or in sandbox/rootfs/, because
# scripts/sandbox.ts keys the cache and the image tag on a hash of sandbox/.
set -euo pipefail

out="${1:?usage: build-rootfs.sh <output.tar>}"
here="$(cd "$(dirname "$0")" && pwd)"
# Same mirror as this machine's apt sources; HEMMA_DEBIAN_MIRROR overrides it.
mirror="${HEMMA_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite=bookworm
# docker.io and iptables: hemma runs its containers on the host's own Docker Engine, so the sandbox
# does too (docs/decisions/0035); git: the app images are built on the host from a repository.
# ddclient keeps the host record current (docs/decisions/0094); debootstrap installs no Recommends,
# and without libio-socket-ssl-perl ddclient cannot speak the HTTPS its Cloudflare protocol always uses
# (perl-openssl-defaults provides the virtual perl-openssl-abi-3 its libnet-ssleay-perl needs, which
# debootstrap does not resolve).
packages=systemd,systemd-sysv,dbus,openssh-server,sudo,iproute2,procps,docker.io,iptables,git,curl,ca-certificates,less,ddclient,libio-socket-ssl-perl,perl-openssl-defaults

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
  # A failed chroot step can leave /proc mounted inside the tree; never rm through a mount.
  umount -l "$rootfs/proc" 2>/dev/null || true
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# The edge hardening as on hemma (docs/decisions/0064, 0065, 0067): ufw, fail2ban with the
# journal reader its sshd jail needs (backend = systemd), nft for its ban actions.
packages="$packages,ufw,fail2ban,python3-systemd,nftables"

log="$out.debootstrap.log"
echo "build-rootfs: debootstrap $suite from $mirror (first run only, a few minutes; log $log)" >&2
if ! debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "build-rootfs: debootstrap failed; full log $log" >&2
  exit 1
fi

# Files overlaid on the tree (sshd hardening, host-key generation at boot, sudoers).
cp -a "$here/rootfs/." "$rootfs/"
chmod 0440 "$rootfs/etc/sudoers.d/paunchygent"
chroot "$rootfs" visudo -c >&2

in_root() { chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
in_root useradd --create-home --shell /bin/bash paunchygent
in_root usermod -a -G docker paunchygent
in_root install -d -m 0700 -o paunchygent -g paunchygent /home/paunchygent/.ssh
# The image must not carry host keys: each container generates its own at boot
# (ssh.service drop-in), so a pinned key identifies one sandbox, not every copy of the image.
rm -f "$rootfs"/etc/ssh/ssh_host_*
# The inner Docker Engine (docs/decisions/0035): vfs storage (overlay mounts are refused nested;
# etc/docker/daemon.json), started at boot like hemma's. The login user is in the `docker` group
# because the docker provider's ssh:// transport runs `docker system dial-stdio` as that user.
in_root systemctl enable docker.service containerd.service >&2
# fail2ban runs once a stack has written its jails (the edge layer enables it, as on hemma):
# Debian's stock sshd jail would ban the Docker gateway, which is where the program's own logins
# come from, in a sandbox whose test refuses those logins on purpose (docs/decisions/0065).
in_root systemctl disable fail2ban.service >&2
# Units that need a real console, or block devices a container does not have (e2scrub).
# Left enabled, e2scrub_all.timer fails after a daemon-reload and the system reports degraded.
in_root systemctl mask getty@tty1.service console-getty.service systemd-firstboot.service e2scrub_all.timer e2scrub_all.service e2scrub_reap.service >&2
in_root systemctl enable ssh.service >&2
# ddclient's package enables its daemon with a placeholder config; the dns layer writes the real one
# and enables it, so a sandbox that runs no dns layer has no daemon polling a service it cannot reach.
in_root systemctl disable ddclient.service >&2
printf 'hemma-sandbox\n' >"$rootfs/etc/hostname"
: >"$rootfs/etc/machine-id"
in_root apt-get clean
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin

tar -C "$rootfs" --numeric-owner -cf "$out.tmp" .
mv "$out.tmp" "$out"
echo "build-rootfs: wrote $out" >&2
