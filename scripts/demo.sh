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
src=$PWD

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

# Proxy mode: a web server on loopback stands in for the internet; the
# command reaches only the hosts it was allowed, through nono's proxy.
mkdir -p "$base/www"
echo "hello through nono's proxy" >"$base/www/index.html"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$base/www" >/dev/null 2>&1 &
web=$!
trap 'kill $web 2>/dev/null' EXIT
sleep 0.5
echo
echo "\$ nono run --allow-cwd --allow-domain localhost -- sh -c '...'"
set +e
"$nono" run --allow-cwd --allow-domain localhost -- sh -c "
	exec 2>&1
	unset NO_PROXY no_proxy   # loopback normally bypasses the proxy
	echo '--- an allowed host:';  curl -sS http://localhost:$port/index.html
	echo '--- another host:';     curl -sS http://127.0.0.1:$port/index.html
	echo '--- around the proxy:'; curl -sS --noproxy '*' http://127.0.0.1:$port/ || true"
set -e

# Credential injection: a fake API on loopback records what it receives.
# The command gets a placeholder; nono's proxy puts the real key in.
rm -f "$base/up.port" "$base/up.log"
python3 "$src/tests/cli/lib/upstream.py" --port-file "$base/up.port" \
	--log "$base/up.log" --ttl 60 >/dev/null 2>&1 &
api=$!
trap 'kill $web $api 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s "$base/up.port" ] && break; sleep 0.1; done
up=$(cat "$base/up.port")
cat >"$base/demo-api.json" <<JSON
{ "network": { "custom_credentials": { "demo": {
	"upstream": "http://127.0.0.1:$up/v1", "credential_key": "env://DEMO_API_KEY" } } } }
JSON
export DEMO_API_KEY=sk-demo-this-is-the-real-key
echo
echo "\$ DEMO_API_KEY=sk-demo-... nono run --allow-cwd -p demo-api.json --credential demo -- sh -c '...'"
set +e
"$nono" run --allow-cwd -p "$base/demo-api.json" --credential demo -- sh -c '
	exec 2>&1
	echo "--- what the command holds: DEMO_API_KEY=$DEMO_API_KEY"
	echo "--- a call to the API through nono:"
	curl -sS -H "Authorization: Bearer $DEMO_API_KEY" -d "{\"model\":\"m\"}" \
		"$DEMO_BASE_URL/chat/completions" | head -c 120; echo'
set -e
echo "--- what the API received: $(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["headers"]["authorization"])' "$base/up.log")"
