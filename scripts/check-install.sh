#!/bin/sh
# `meson install` into a prefix and into a DESTDIR, and `ninja uninstall`:
# nono goes to bin/, its helpers to libexec/nono/, the installed nono finds
# them there (without them it warns: control), and uninstall removes
# every file.  Configures its own build folder (glibc, dynamic).
set -eu
cd "$(dirname "$0")/.."
root=$PWD
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nono-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "check-install: $*" >&2; exit 1; }
b=$tmp/build
p=$tmp/prefix
meson setup "$b" --prefix="$p" -Dstatic=false --buildtype=release \
	-Dwerror=true >/dev/null
ninja -C "$b" nono nono-tls nono-keystore >/dev/null
files="bin/nono libexec/nono/nono-tls libexec/nono/nono-keystore"
need_tls() { # NONO: whether it warns that nono-tls is missing
	(cd "$tmp" && "$1" run --dry-run --allow-cwd \
		--allow-domain 'https://example.com/api/**' -- true 2>&1) |
		grep -q "need nono-tls"
}

meson install -C "$b" --no-rebuild >/dev/null
for f in $files; do
	[ -x "$p/$f" ] || fail "$p/$f was not installed"
done
need_tls "$p/bin/nono" && fail "the installed nono does not find libexec/nono/nono-tls"
cp "$p/bin/nono" "$tmp/alone"
ninja -C "$b" uninstall >/dev/null
for f in $files; do
	[ ! -e "$p/$f" ] || fail "uninstall left $p/$f"
done
# control: with libexec/nono gone, the same binary warns
need_tls "$tmp/alone" || fail "control: without its helpers nono should warn"

DESTDIR=$tmp/stage meson install -C "$b" --no-rebuild >/dev/null
for f in $files; do
	[ -x "$tmp/stage$p/$f" ] || fail "DESTDIR: $tmp/stage$p/$f was not installed"
	[ ! -e "$p/$f" ] || fail "DESTDIR: $p/$f was installed outside it"
done
ninja -C "$b" uninstall >/dev/null
for f in $files; do
	[ ! -e "$tmp/stage$p/$f" ] || fail "uninstall left $tmp/stage$p/$f"
done
echo "check-install: ok (prefix, DESTDIR, uninstall)"
