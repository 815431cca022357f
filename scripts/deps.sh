#!/bin/sh
# Installs the Debian 12 packages nono needs to build and test, when missing.
# Idempotent; needs root (or sudo) only when something is missing.
set -eu
pkgs="meson ninja-build pkg-config gcc libseccomp-dev libcmocka-dev bats
      clang-14 libclang-rt-14-dev clang-format util-linux python3 musl-tools
      libssl-dev openssl ca-certificates curl tinyproxy strace
      libsecret-1-dev gnome-keyring libsecret-tools dbus"
[ "${1:-}" = "--bench" ] && pkgs="$pkgs hyperfine bubblewrap nginx-light"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
# node and npm (the agent profile tests install the real agents): any
# install will do, Debian's or another vendor's already on the machine.
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q $missing >/dev/null 2>&1 ||
	{ $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q $missing >/dev/null; }
