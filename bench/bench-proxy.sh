#!/usr/bin/env bash
# Proxy mode, side by side in one run, from an nginx origin on loopback (fast
# enough not to be the bottleneck):
#   throughput  a SIZE_MB download with curl: direct, through tinyproxy, and
#               inside `nono run --allow-domain '127.0.0.1:*'` through nono's
#               proxy; medians of REPS; ratio to direct; CPU the proxy spent
#               per GiB (its own utime+stime; nono's supervisor, tinyproxy's
#               processes)
#   latency     N small requests, each on a new connection: direct, tinyproxy,
#               nono (median, p99, mean per request)
#   idle        memory per idle CONNECT tunnel (nono's supervisor RSS with
#               TUNNELS tunnels open, minus before)
#   start-up    `nono run --allow-domain x -- true` vs `nono run -- true` vs
#               bare `true` (hyperfine)
#   bench/bench-proxy.sh | tee bench/results/proxy.txt
# NONO_BIN (default build/nono), SIZE_MB (1024), REPS (11), N (10000),
# TUNNELS (1000), BENCH_DIR (/var/lib/nono-bench).  Installs nginx-light and
# tinyproxy from Debian when missing (root).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NONO_BIN="$(realpath "${NONO_BIN:-$here/../build/nono}")"
SIZE_MB="${SIZE_MB:-1024}"
REPS="${REPS:-11}"
N="${N:-10000}"
TUNNELS="${TUNNELS:-1000}"
BENCH_DIR="${BENCH_DIR:-/var/lib/nono-bench}/proxy"
LOAD="$here/lib/proxyload.py"
PY=/usr/bin/python3

need=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v tinyproxy >/dev/null || need+=(tinyproxy)
command -v hyperfine >/dev/null || need+=(hyperfine)
if [ ${#need[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || { echo "bench-proxy: install ${need[*]}" >&2; exit 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${need[@]}" >/dev/null
fi

mkdir -p "$BENCH_DIR/www" "$BENCH_DIR/nginx" "$BENCH_DIR/home"
chmod 755 "$BENCH_DIR" "$BENCH_DIR/www"
blob="$BENCH_DIR/www/blob.bin"
want=$((SIZE_MB * 1024 * 1024))
[ "$(stat -c %s "$blob" 2>/dev/null || echo 0)" = "$want" ] ||
	head -c "$want" /dev/urandom >"$blob"
chmod 644 "$blob"
echo small >"$BENCH_DIR/www/small.txt"
export HOME="$BENCH_DIR/home"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# nginx: one worker per core, sendfile, on a free loopback port.
# shellcheck source=lib/nginx.sh
. "$here/lib/nginx.sh"
start_nginx "$BENCH_DIR/nginx" "$BENCH_DIR/www"
pids+=("$NGINX_PID")

# tinyproxy, allowing only 127.0.0.1 (as the peers' bench does).
TP=$(free_port)
echo '^127\.0\.0\.1$' >"$BENCH_DIR/tp.filter"
cat >"$BENCH_DIR/tp.conf" <<CONF
Port $TP
Listen 127.0.0.1
Timeout 600
MaxClients 2000
Allow 127.0.0.1
LogLevel Critical
Filter "$BENCH_DIR/tp.filter"
FilterDefaultDeny Yes
FilterExtended On
$( [ "$(id -u)" = 0 ] && printf 'User nobody\nGroup nogroup\n' )
CONF
chmod 644 "$BENCH_DIR/tp.conf" "$BENCH_DIR/tp.filter"
tinyproxy -d -c "$BENCH_DIR/tp.conf" >/dev/null 2>&1 &
TP_PID=$!
pids+=($TP_PID)
for _ in $(seq 100); do
	curl -s -o /dev/null "http://127.0.0.1:$WEB/small.txt" &&
		curl -s -o /dev/null -x "http://127.0.0.1:$TP" "http://127.0.0.1:$WEB/small.txt" && break
	sleep 0.1
done
URL="http://127.0.0.1:$WEB/blob.bin"
cd "$BENCH_DIR"

# CPU ticks (utime+stime) of a process and its threads; of tinyproxy's
# whole process tree (it forks a process per client).
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tree_ticks() {
	local t=0 p
	for p in $1 $(pgrep -P "$1"); do t=$((t + $(ticks "$p" 2>/dev/null || echo 0))); done
	echo $t
}
HZ=$(getconf CLK_TCK)
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# Interleaved: each round downloads once per path, so drift and noise on a
# busy machine hit every path alike.
one="curl -s --noproxy '' -o /dev/null -w '%{http_code} %{size_download} %{speed_download}\n' $URL"
speeds() { awk -v w="$want" '$1 == 200 && $2 == w {print $3 / 1e6}'; }
: >"$BENCH_DIR/direct.out"
: >"$BENCH_DIR/tiny.out"
: >"$BENCH_DIR/nono.out"
tp_cpu=0
nono_cpu=0
for _ in $(seq "$REPS"); do
	bash -c "$one" >>"$BENCH_DIR/direct.out"
	t0=$(tree_ticks $TP_PID)
	http_proxy="http://127.0.0.1:$TP" bash -c "$one" >>"$BENCH_DIR/tiny.out"
	tp_cpu=$((tp_cpu + $(tree_ticks $TP_PID) - t0))
	# nono: the supervisor's own ticks, read by the command at the end
	# (start-up and set-up included).  The command's parent is nono's
	# guardian; the supervisor, which runs the proxy, is the guardian's.
	out=$("$NONO_BIN" run -s --allow-cwd --allow-domain '127.0.0.1:*' -- sh -c \
		"$one; sup=\$(awk '{print \$4}' /proc/\$PPID/stat); echo CPU \$(awk '{print \$14 + \$15}' /proc/\$sup/stat)" </dev/null)
	grep -v '^CPU' <<<"$out" >>"$BENCH_DIR/nono.out"
	nono_cpu=$((nono_cpu + $(awk '/^CPU/ {print $2}' <<<"$out")))
done
direct=$(speeds <"$BENCH_DIR/direct.out" | median)
tiny=$(speeds <"$BENCH_DIR/tiny.out" | median)
nono=$(speeds <"$BENCH_DIR/nono.out" | median)
# Each round's ratio to the direct download of the same round: the pairs
# share the machine's state at that moment, so drift between rounds cancels.
paired() { paste <(speeds <"$BENCH_DIR/direct.out") <(speeds <"$BENCH_DIR/$1.out") |
	awk '{print $2 / $1}' | median; }
tiny_pair=$(paired tiny)
nono_pair=$(paired nono)
gib=$(awk -v s="$SIZE_MB" -v r="$REPS" 'BEGIN {print s * r / 1024}')

echo "# proxy throughput: $SIZE_MB MiB from nginx on 127.0.0.1 with curl, median of $REPS interleaved rounds"
printf '%-34s %9s %9s %9s %14s\n' path MB/s vs_direct paired "proxy CPU s/GiB"
printf '%-34s %9.0f %9s %9s %14s\n' "direct" "$direct" 1.000 1.000 -
printf '%-34s %9.0f %9.3f %9.3f %14.2f\n' "tinyproxy (curl -x)" "$tiny" \
	"$(awk -v a="$tiny" -v b="$direct" 'BEGIN {print a / b}')" "$tiny_pair" \
	"$(awk -v t="$tp_cpu" -v h="$HZ" -v g="$gib" 'BEGIN {print t / h / g}')"
printf '%-34s %9.0f %9.3f %9.3f %14.2f\n' "nono run --allow-domain (proxy)" "$nono" \
	"$(awk -v a="$nono" -v b="$direct" 'BEGIN {print a / b}')" "$nono_pair" \
	"$(awk -v t="$nono_cpu" -v h="$HZ" -v g="$gib" 'BEGIN {print t / h / g}')"
echo "(vs_direct: ratio of the medians; paired: median of each round's ratio to"
echo " that round's direct download)"
echo "(nono's CPU includes its start-up and the sandbox set-up: an upper bound)"
echo

echo "# latency: $N small requests, each on a new connection (python client)"
printf '%-34s %10s %10s %10s\n' path median_us p99_us mean_us
printf '%-34s %10s %10s %10s\n' direct $("$PY" "$LOAD" latency 127.0.0.1 "$WEB" /small.txt "$N")
printf '%-34s %10s %10s %10s\n' tinyproxy $("$PY" "$LOAD" latency 127.0.0.1 "$WEB" /small.txt "$N" "http://127.0.0.1:$TP")
printf '%-34s %10s %10s %10s\n' "nono run --allow-domain (proxy)" $("$NONO_BIN" run -s \
	--allow-cwd --allow-domain '127.0.0.1:*' --read "$here" -- sh -c \
	"$PY $LOAD latency 127.0.0.1 $WEB /small.txt $N \$HTTP_PROXY" </dev/null)
echo

echo "# idle CONNECT tunnels: nono supervisor RSS"
read -r before after < <("$NONO_BIN" run -s --allow-cwd --allow-domain '127.0.0.1:*' --read "$here" -- sh -c \
	"ulimit -n 4096 2>/dev/null; $PY $LOAD tunnels 127.0.0.1 $WEB $TUNNELS \$HTTP_PROXY \$(awk '{print \$4}' /proc/\$PPID/stat)" </dev/null)
echo "$TUNNELS tunnels: RSS $before KiB -> $after KiB: $(( (after - before) * 1024 / TUNNELS )) bytes per idle tunnel"
echo

echo "# start-up of proxy mode (hyperfine -N, medians)"
json=$(mktemp)
hyperfine -N -w 10 -r 60 --export-json "$json" "true" \
	"$NONO_BIN run -s --allow-cwd -- true" \
	"$NONO_BIN run -s --allow-cwd --allow-domain example.com -- true" \
	"$NONO_BIN run -s --allow-cwd --allow-domain example.com --open-port 9 -- true" >/dev/null 2>&1
"$PY" - "$json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base = r[0]["median"]
for x in r:
    c = x["command"].split("/nono ")[-1] if "nono" in x["command"] else x["command"]
    note = {0: "", 1: "", 2: "  (own network namespace)", 3: "  (fallback: host network)"}
    print(f"{c:<60} {x['median']*1e3:7.2f} ms  +{(x['median']-base)*1e3:5.2f} ms"
          f"{note.get(r.index(x), '')}")
PYEOF
rm -f "$json"
