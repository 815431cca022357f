#!/usr/bin/env bash
# Builds nono and runs a real command under it: a shell that works in a
# project directory, tries to read a (fake) SSH key, to plant a git hook and
# to reach the network.  Installs missing Debian packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/setup-build.sh build
ninja -C build >/dev/null
nono=$PWD/build/nono

# A fake home and project outside /tmp (nono grants /tmp by default).
base=${NONO_DEMO_DIR:-/var/lib/nono-demo}
rm -rf "$base"
mkdir -p "$base/home/.ssh" "$base/home/project/.git/hooks"
echo "-----BEGIN FAKE KEY-----" >"$base/home/.ssh/id_ed25519"
echo "print('hello from the sandbox')" >"$base/home/project/main.py"
cd "$base/home/project"
export HOME=$base/home

echo "\$ nono run --allow \$HOME --block-net -- sh -c '...'"
set +e
"$nono" run --allow "$HOME" --block-net -- sh -c '
	exec 2>&1
	echo "--- run the project:";   python3 main.py
	echo "--- write in the project:"; echo ok > result.txt && cat result.txt
	echo "--- read ~/.ssh:";        cat ~/.ssh/id_ed25519 || true
	echo "--- plant a git hook:";   echo evil > .git/hooks/pre-commit || true
	echo "--- read /etc/shadow:";   head -c 20 /etc/shadow || true
	echo "--- network:"; python3 -c "import socket; socket.create_connection((\"1.1.1.1\", 443), 3)" 2>&1 | tail -1
	exit 3'
status=$?
set -e
echo "(the command exited with $status; nono passed it through)"
