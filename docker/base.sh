#!/usr/bin/env bash
# docker/base.sh: makes the image `debian:bookworm-slim` from Debian's own
# packages when no such image is present (no registry needed): debootstrap
# --variant=minbase bookworm, slimmed like the official image (no docs, man
# pages or locales), imported with `podman import`. The root filesystem is
# kept as a tarball in /var/cache/megaforce, so a machine builds it once.
#
#   docker/base.sh [IMAGE]      (default docker.io/library/debian:bookworm-slim)
#
# Environment: MEGAFORCE_CACHE (default /var/cache/megaforce),
# DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail
image=${1:-docker.io/library/debian:bookworm-slim}
cache=${MEGAFORCE_CACHE:-/var/cache/megaforce}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
tarball=$cache/debian-bookworm-minbase.tar

podman image exists "$image" && exit 0
if [[ ! -s $tarball ]]; then
  mkdir -p "$cache"
  root=$(mktemp -d "$cache/rootfs.XXXXXX")
  trap 'rm -rf "$root" "$tarball.part"' EXIT
  # Slim from the first package on, as debian:bookworm-slim is.
  mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
CFG
  echo "base.sh: debootstrap --variant=minbase bookworm ($mirror)" >&2
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  rm -f "$root/etc/apt/sources.list"
  # What a container image does not need: downloaded packages and lists.
  # As in the official image: apt keeps no downloaded packages or caches.
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/* \
         "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/lintian/*
  find "$root/usr/share/doc" -type f ! -name copyright -delete
  find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  tar --numeric-owner -C "$root" -cf "$tarball.part" .
  mv "$tarball.part" "$tarball"
fi
podman import -q --change 'CMD ["bash"]' "$tarball" "$image" >/dev/null
echo "base.sh: $image imported from $tarball" >&2
