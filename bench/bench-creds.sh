#!/usr/bin/env bash
# Credential injection (--credential), side by side in one run: N small
# requests, each on a new connection, to an nginx upstream on loopback,
#   direct     the client calls nginx itself
#   nono       the client runs inside `nono run --credential bench` and
#              calls $BENCH_BASE_URL with the placeholder; nono's proxy
#              checks it, swaps in the real key and forwards to nginx
# Rounds alternate the two (ROUNDS rounds of N/ROUNDS requests each, so
# drift on a busy machine hits both alike); each figure (median, p99,
# mean, requests per second) is the median of the rounds' figures, and
# the latency nono adds is the difference of the medians.
#   bench/bench-creds.sh | tee bench/results/creds.txt
# Then the same over TLS (nginx with a certificate of a CA made here), on
# one kept-alive client connection, and through nono on new connections.
# NONO_BIN (default build/nono), N (10000), ROUNDS (5), BENCH_DIR
# (/var/lib/nono-bench).  Installs nginx-light when missing (root).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NONO_BIN="$(realpath "${NONO_BIN:-$here/../build/nono}")"
N="${N:-10000}"
ROUNDS="${ROUNDS:-5}"
BENCH_DIR="${BENCH_DIR:-/var/lib/nono-bench}/creds"
LOAD="$here/lib/proxyload.py"
PY=/usr/bin/python3

if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
	[ "$(id -u)" = 0 ] || { echo "bench-creds: install nginx-light" >&2; exit 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		nginx-light >/dev/null
fi
mkdir -p "$BENCH_DIR/www/v1" "$BENCH_DIR/home"
chmod 755 "$BENCH_DIR" "$BENCH_DIR/www" "$BENCH_DIR/www/v1"
echo '{"ok": true}' >"$BENCH_DIR/www/v1/models"
chmod 644 "$BENCH_DIR/www/v1/models"
export HOME="$BENCH_DIR/home"
# A CA and a certificate for 127.0.0.1: nginx also serves over TLS, which
# nono verifies (SSL_CERT_FILE) like any upstream.
tls=$BENCH_DIR/tls
mkdir -p "$tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$tls/ca.key" -out "$tls/ca.pem" -days 1 -subj /CN=bench-ca 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$tls/srv.key" -out "$tls/srv.csr" -subj /CN=127.0.0.1 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$tls/ext"
openssl x509 -req -in "$tls/srv.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
	-CAcreateserial -out "$tls/srv.pem" -days 1 -extfile "$tls/ext" 2>/dev/null
chmod -R a+rX "$tls"
# shellcheck source=lib/nginx.sh
. "$here/lib/nginx.sh"
start_nginx "$BENCH_DIR/nginx" "$BENCH_DIR/www" "$tls/srv.pem" "$tls/srv.key"
trap 'kill $NGINX_PID 2>/dev/null || true' EXIT
cat >"$BENCH_DIR/profile.json" <<EOF2
{ "network": { "custom_credentials": {
	"bench": { "upstream": "http://127.0.0.1:$WEB/v1",
		"credential_key": "env://BENCH_UPSTREAM_KEY" },
	"benchs": { "upstream": "https://127.0.0.1:$WEBS/v1",
		"credential_key": "env://BENCH_UPSTREAM_KEY" } } } }
EOF2
export BENCH_UPSTREAM_KEY=sk-bench-not-a-real-key
per=$((N / ROUNDS))
: >"$BENCH_DIR/direct.out"
: >"$BENCH_DIR/nono.out"
for _ in $(seq "$ROUNDS"); do
	"$PY" "$LOAD" reverse "http://127.0.0.1:$WEB/v1/models" "$per" "$BENCH_UPSTREAM_KEY" \
		>>"$BENCH_DIR/direct.out"
	"$NONO_BIN" run -s --allow-cwd --read "$here" -p "$BENCH_DIR/profile.json" \
		--credential bench -- sh -c \
		"$PY $LOAD reverse \$BENCH_BASE_URL/models $per \$BENCH_API_KEY" \
		</dev/null >>"$BENCH_DIR/nono.out"
done
# Each round prints median, p99, mean, req/s: the medians of the rounds'
# figures.
col() { awk -v c="$1" '{print $c}' "$2" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "# credential injection: $N small GETs on new connections to nginx on loopback ($ROUNDS interleaved rounds; medians of the rounds)"
printf '%-40s %10s %10s %10s %10s\n' path median_us p99_us mean_us req_per_s
for w in direct nono; do
	label=direct
	[ $w = nono ] && label="nono --credential (reverse proxy)"
	printf '%-40s %10s %10s %10s %10s\n' "$label" "$(col 1 "$BENCH_DIR/$w.out")" \
		"$(col 2 "$BENCH_DIR/$w.out")" "$(col 3 "$BENCH_DIR/$w.out")" \
		"$(col 4 "$BENCH_DIR/$w.out")"
done
awk -v a="$(col 1 "$BENCH_DIR/nono.out")" -v b="$(col 1 "$BENCH_DIR/direct.out")" \
	'BEGIN {printf "added median latency: %.0f us per request (target < 300)\n", a - b}'

# The same requests to nginx over TLS: what a remote API costs, minus the
# network.  One kept-alive client connection (as SDKs keep theirs): direct
# (the client speaks TLS to nginx) against nono (the client speaks plain
# HTTP to the proxy; nono-tls keeps one verified TLS connection upstream);
# then nono with a new connection per request (a TLS handshake each).
: >"$BENCH_DIR/tdirect.out"
: >"$BENCH_DIR/tnono.out"
: >"$BENCH_DIR/tnew.out"
for _ in $(seq "$ROUNDS"); do
	"$PY" "$LOAD" keepalive "https://127.0.0.1:$WEBS/v1/models" "$per" \
		"$BENCH_UPSTREAM_KEY" "$tls/ca.pem" >>"$BENCH_DIR/tdirect.out"
	SSL_CERT_FILE=$tls/ca.pem "$NONO_BIN" run -s --allow-cwd --read "$here" \
		-p "$BENCH_DIR/profile.json" --credential benchs -- sh -c \
		"$PY $LOAD keepalive \$BENCHS_BASE_URL/models $per \$BENCHS_API_KEY" \
		</dev/null >>"$BENCH_DIR/tnono.out"
	SSL_CERT_FILE=$tls/ca.pem "$NONO_BIN" run -s --allow-cwd --read "$here" \
		-p "$BENCH_DIR/profile.json" --credential benchs -- sh -c \
		"$PY $LOAD reverse \$BENCHS_BASE_URL/models $((per / 5)) \$BENCHS_API_KEY" \
		</dev/null >>"$BENCH_DIR/tnew.out"
done
echo
echo "# over https:// to nginx (TLS verified): $N GETs on one kept-alive client connection; $((N / 5)) on new connections ($ROUNDS interleaved rounds)"
printf '%-40s %10s %10s %10s %10s\n' path median_us p99_us mean_us req_per_s
for w in tdirect tnono tnew; do
	case $w in
	tdirect) label="direct (TLS, kept alive)" ;;
	tnono) label="nono --credential (kept alive)" ;;
	tnew) label="nono --credential (new conn. each)" ;;
	esac
	printf '%-40s %10s %10s %10s %10s\n' "$label" "$(col 1 "$BENCH_DIR/$w.out")" \
		"$(col 2 "$BENCH_DIR/$w.out")" "$(col 3 "$BENCH_DIR/$w.out")" \
		"$(col 4 "$BENCH_DIR/$w.out")"
done
awk -v a="$(col 1 "$BENCH_DIR/tnono.out")" -v b="$(col 1 "$BENCH_DIR/tdirect.out")" \
	'BEGIN {printf "added median latency, kept alive over TLS: %.0f us per request\n", a - b}'
