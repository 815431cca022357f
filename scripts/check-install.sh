#!/bin/sh
# `meson install` into a prefix and into a DESTDIR, and `ninja uninstall`:
# nono goes to bin/, its helpers to libexec/nono/, its man pages to
# share/man/man1 and its completions where bash, zsh and fish look; the
# installed nono finds its helpers (without them it warns: control), the
# man pages render, the bash completion completes, and uninstall removes
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
ninja -C "$b" >/dev/null
files="bin/nono libexec/nono/nono-tls libexec/nono/nono-keystore"
man="share/man/man1/nono.1"
for c in run wrap shell why setup profile completions; do
	man="$man share/man/man1/nono-$c.1"
done
comp="share/bash-completion/completions/nono share/zsh/vendor-completions/_nono share/fish/vendor_completions.d/nono.fish"
need_tls() { # NONO: whether it warns that nono-tls is missing
	(cd "$tmp" && "$1" run --dry-run --allow-cwd \
		--allow-domain 'https://example.com/api/**' -- true 2>&1) |
		grep -q "need nono-tls"
}

meson install -C "$b" --no-rebuild >/dev/null
for f in $files; do
	[ -x "$p/$f" ] || fail "$p/$f was not installed"
done
for f in $man $comp; do
	[ -s "$p/$f" ] || fail "$p/$f was not installed"
done
# the manual says what --help says
if command -v man >/dev/null; then
	MANWIDTH=200 man -l "$p/share/man/man1/nono-run.1" 2>/dev/null |
		grep -q -- "--allow-cwd" || fail "nono-run(1) lacks --allow-cwd"
fi
# the installed bash completion completes a command and a flag
if command -v bash >/dev/null; then
	got=$(bash -c '. "$1"; COMP_WORDS=(nono ru); COMP_CWORD=1; _nono; echo "${COMPREPLY[*]}";
		COMP_WORDS=(nono run --allow-cw); COMP_CWORD=2; _nono; echo "${COMPREPLY[*]}"' sh \
		"$p/share/bash-completion/completions/nono")
	echo "$got" | grep -qx run || fail "bash completion: nono ru -> $got"
	echo "$got" | grep -q -- "--allow-cwd" || fail "bash completion: --allow-cw -> $got"
fi
need_tls "$p/bin/nono" && fail "the installed nono does not find libexec/nono/nono-tls"
cp "$p/bin/nono" "$tmp/alone"
ninja -C "$b" uninstall >/dev/null
for f in $files $man $comp; do
	[ ! -e "$p/$f" ] || fail "uninstall left $p/$f"
done
# control: with libexec/nono gone, the same binary warns
need_tls "$tmp/alone" || fail "control: without its helpers nono should warn"

DESTDIR=$tmp/stage meson install -C "$b" --no-rebuild >/dev/null
for f in $files $man $comp; do
	[ -e "$tmp/stage$p/$f" ] || fail "DESTDIR: $tmp/stage$p/$f was not installed"
	[ ! -e "$p/$f" ] || fail "DESTDIR: $p/$f was installed outside it"
done
ninja -C "$b" uninstall >/dev/null
for f in $files $man $comp; do
	[ ! -e "$tmp/stage$p/$f" ] || fail "uninstall left $tmp/stage$p/$f"
done
echo "check-install: ok (prefix, DESTDIR, uninstall; binaries, helpers, man pages, completions)"
