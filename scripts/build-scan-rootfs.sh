#!/usr/bin/env bash
# Builds the Debian 12 (bookworm) root filesystem that the vulnerability-scanner tests scan, and
# packs it as OUT (tar+gzip, entry names relative to / without a leading "./", as image layers
# have them). It is debootstrap's minbase plus a few packages that carry language metadata:
#   fzf                    a Go program (build info: go1.19.8, no module versions)
#   python3-idna, -six     Python egg-info under /usr/lib/python3/dist-packages
#   libcommons-lang3-java  a jar with META-INF/maven/.../pom.properties
# then slimmed like a container base image (no man pages, locales, docs but copyright files, apt
# lists or caches). Host details debootstrap copies in (resolv.conf, hostname) are removed.
#
# Usage: build-scan-rootfs.sh OUT.tar.gz    (as root; needs debootstrap and its default mirror)
# Several test processes may ask at once: the first one builds under an flock on OUT.lock, the
# others wait for it and then find OUT already there. OUT appears only complete (rename).
set -euo pipefail

out=$1
extra_packages=(fzf python3-idna python3-six libcommons-lang3-java)

mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
[ -s "$out" ] && exit 0

# Named after OUT, so a build killed before its trap ran is cleared by the next one (under the lock).
work=$out.build
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
root=$work/rootfs

run_logged() {
  local log=$1
  shift
  if ! "$@" >"$log" 2>&1; then
    echo "build-scan-rootfs: '$*' failed; last lines of its log:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
}

run_logged "$work/debootstrap.log" debootstrap --variant=minbase bookworm "$root"
run_logged "$work/apt.log" chroot "$root" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${extra_packages[@]}"
chroot "$root" apt-get clean

rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/debconf/*-old \
  "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* "$root"/dev/*
find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -f "$root/etc/resolv.conf"
echo localhost >"$root/etc/hostname"

(cd "$root" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort) >"$work/top-level"
tar --numeric-owner --sort=name -C "$root" -cf - -T "$work/top-level" | gzip -6 >"$work/rootfs.tar.gz"
mv "$work/rootfs.tar.gz" "$out"
