# Shared set-up and assertions for the black-box CLI tests (bats 1.8).
#
# shellcheck disable=SC2034,SC2154  # variables shared with .bats files / set by bats
#
# Contract with the runner:
#   NONO_BIN           the binary under test (default: ../../build/nono)
#   NONO_TEST_SCRATCH  a mode-1777 directory OUTSIDE /tmp, /var/tmp and
#                      /dev/shm, which nono grants read-write by default, so
#                      denial tests there mean something
#                      (default: /var/lib/nono-tests)
#   NONO_TEST_STRICT=1 a test that cannot run here fails instead of skipping
#
# Every test gets its own directory $TEST_ROOT under the scratch directory
# (working area $TEST_DIR, fake $HOME), no XDG_CONFIG_HOME, no NONO_*
# variables, and runs in $TEST_DIR.

bats_require_minimum_version 1.5.0

# Read the contract once, before setup clears NONO_* from the environment.
: "${NONO_BIN:=$BATS_TEST_DIRNAME/../../build/nono}"
NONO="$NONO_BIN"
SCRATCH="${NONO_TEST_SCRATCH:-/var/lib/nono-tests}"
STRICT="${NONO_TEST_STRICT:-0}"
SYS_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# The system python: a per-user shim (pyenv) may live in an unreadable home.
if [ -x /usr/bin/python3 ]; then
	PY=/usr/bin/python3
else
	PY=$(command -v python3 || echo python3)
fi

# Skips locally, fails under NONO_TEST_STRICT=1 (no silent skips in CI).
skip_or_fail() {
	if [ "$STRICT" = 1 ]; then
		echo "NONO_TEST_STRICT=1: cannot skip: $*" >&2
		return 1
	fi
	skip "$*"
}

# Probes run once per file (setup_file) and are exported to every test.
probe_host() {
	if [ -z "${HOST_LANDLOCK_ABI:-}" ]; then
		HOST_LANDLOCK_ABI=$("$PY" -c '
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
# landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)
r = libc.syscall(444, None, 0, 1)
print(r if r > 0 else 0)' 2>/dev/null || echo 0)
		export HOST_LANDLOCK_ABI
	fi
	if [ -z "${HOST_USERNS:-}" ]; then
		if unshare -Urm true >/dev/null 2>&1; then
			HOST_USERNS=1
		else
			HOST_USERNS=0
		fi
		export HOST_USERNS
	fi
}

require_landlock() {
	probe_host
	[ "$HOST_LANDLOCK_ABI" -ge 1 ] ||
		skip_or_fail "Landlock is not available on this kernel"
}

# The protected-path masks need a private mount namespace.
require_userns() {
	probe_host
	[ "$HOST_USERNS" = 1 ] ||
		skip_or_fail "user namespaces unavailable (unshare -Urm true fails)"
}

require_cmd() {
	command -v "$1" >/dev/null 2>&1 || skip_or_fail "$1 is not installed"
}

nono_setup() {
	[ -x "$NONO" ] || {
		echo "NONO_BIN=$NONO is not an executable file" >&2
		return 1
	}
	if [ ! -d "$SCRATCH" ]; then
		if ! { mkdir -p "$SCRATCH" && chmod 1777 "$SCRATCH"; } 2>/dev/null; then
			skip_or_fail "scratch directory $SCRATCH missing and cannot be created"
		fi
	fi
	local real
	real=$(realpath "$SCRATCH")
	case "$real/" in
	/tmp/* | /var/tmp/* | /dev/shm/*)
		echo "NONO_TEST_SCRATCH=$SCRATCH resolves to $real, which nono" \
			"grants read-write by default: denial tests would be void" >&2
		return 1
		;;
	esac
	[ -w "$real" ] || skip_or_fail "scratch directory $real is not writable"

	# $TEST_ROOT/home is the fake home, $TEST_DIR the working area: grants
	# of $TEST_DIR do not cover $HOME (whose ~/.nono nono would then mask,
	# which needs a user namespace).
	TEST_ROOT=$(mktemp -d "$real/t.XXXXXX")
	TEST_ROOT=$(realpath "$TEST_ROOT")
	chmod 755 "$TEST_ROOT"
	TEST_DIR="$TEST_ROOT/w"
	export HOME="$TEST_ROOT/home"
	mkdir -p "$HOME" "$TEST_DIR"
	unset XDG_CONFIG_HOME NO_COLOR
	local v
	for v in $(compgen -e | grep '^NONO_' || true); do
		unset "$v"
	done
	export PATH="$SYS_PATH"
	export LC_ALL=C
	BG_PIDS=()
	cd "$TEST_DIR" || return 1
}

nono_teardown() {
	local p
	for p in "${BG_PIDS[@]:-}"; do
		[ -n "$p" ] || continue
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	cd /
	if [ -n "${TEST_ROOT:-}" ] && [ -d "$TEST_ROOT" ]; then
		chmod -R u+rwX "$TEST_ROOT" 2>/dev/null || true
		rm -rf "$TEST_ROOT"
	fi
}

# The binary, never with a terminal on stdin (nono would ask questions).
nono() {
	"$NONO" "$@" </dev/null
}

# --- assertions: each prints what it saw when it fails -----------------

show_run() {
	{
		echo "--- status: $status"
		echo "--- stdout:"
		printf '%s\n' "$output"
		echo "--- stderr:"
		printf '%s\n' "${stderr:-}"
	} >&2
}

assert_status() {
	if [ "$status" -ne "$1" ]; then
		echo "expected exit status $1, got $status" >&2
		show_run
		return 1
	fi
}

# assert_contains HAYSTACK NEEDLE [WHAT]
assert_contains() {
	if [[ "$1" != *"$2"* ]]; then
		echo "expected ${3:-text} to contain: $2" >&2
		show_run
		return 1
	fi
}

refute_contains() {
	if [[ "$1" == *"$2"* ]]; then
		echo "expected ${3:-text} NOT to contain: $2" >&2
		show_run
		return 1
	fi
}

# A nono error: exit 1 and a stderr line starting "nono: " with NEEDLE.
assert_nono_error() {
	assert_status 1
	if ! grep -q '^nono: ' <<<"$stderr"; then
		echo "expected a stderr line starting 'nono: '" >&2
		show_run
		return 1
	fi
	assert_contains "$stderr" "$1" stderr
}

assert_file_content() {
	local got
	got=$(cat "$1" 2>&1)
	if [ "$got" != "$2" ]; then
		echo "expected $1 to hold '$2', it holds '$got'" >&2
		return 1
	fi
}

assert_missing() {
	if [ -e "$1" ] || [ -L "$1" ]; then
		echo "expected $1 not to exist" >&2
		return 1
	fi
}

# --- background processes ----------------------------------------------

# A loopback TCP port free now (the kernel's pick, not a random guess).
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for_file() { # PATH [TENTHS]
	local i
	for ((i = 0; i < ${2:-50}; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	echo "timed out waiting for $1" >&2
	return 1
}

# Waits for PID (a child of this shell) at most SECONDS, killing it after;
# sets WAIT_STATUS.
wait_bounded() { # PID SECONDS
	local wd
	(
		sleep "$2"
		kill -KILL "$1"
	) >/dev/null 2>&1 3>&- &
	wd=$!
	WAIT_STATUS=0
	wait "$1" || WAIT_STATUS=$?
	kill "$wd" 2>/dev/null || true
	wait "$wd" 2>/dev/null || true
}

# A python one-liner server on loopback: sets HTTP_PORT, serves
# $TEST_DIR/www/index.txt = "NONO-HTTP-OK".
start_http_server() {
	local i log="$TEST_DIR/http.log"
	mkdir -p "$TEST_DIR/www"
	echo NONO-HTTP-OK >"$TEST_DIR/www/index.txt"
	"$PY" -u -m http.server --bind 127.0.0.1 --directory "$TEST_DIR/www" 0 \
		>"$log" 2>&1 </dev/null 3>&- &
	BG_PIDS+=($!)
	HTTP_PORT=
	for ((i = 0; i < 100; i++)); do
		HTTP_PORT=$(sed -n 's/.* port \([0-9][0-9]*\).*/\1/p' "$log" | head -n1)
		[ -n "$HTTP_PORT" ] && return 0
		sleep 0.05
	done
	echo "http server did not start:" >&2
	cat "$log" >&2
	return 1
}

# Fetches /index.txt from 127.0.0.1:PORT; prints the body, or "ERR errno".
TCP_GET='
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 3)
    s.sendall(b"GET /index.txt HTTP/1.0\r\n\r\n")
    d = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        d += b
    print(d.decode().split("\r\n\r\n", 1)[1].strip())
except OSError as e:
    print("ERR", e.errno, e.strerror)
    sys.exit(3)
'

# Creates a socket: argv FAMILY TYPE PROTO; prints OPEN or "ERR errno".
SOCK_OPEN='
import socket, sys
try:
    socket.socket(getattr(socket, sys.argv[1]), getattr(socket, sys.argv[2]),
                  int(sys.argv[3]))
    print("OPEN")
except OSError as e:
    print("ERR", e.errno, e.strerror)
    sys.exit(3)
'

# An AF_UNIX server at PATH answering every connection with PONG.
start_unix_server() { # PATH
	"$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(8)
while True:
    c, _ = s.accept()
    c.sendall(b"PONG")
    c.close()
' "$1" >/dev/null 2>&1 </dev/null 3>&- &
	BG_PIDS+=($!)
	wait_for_file "$1" 50
}

UNIX_CONNECT='
import socket, sys
try:
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    print(s.recv(4).decode())
except OSError as e:
    print("ERR", e.errno, e.strerror)
    sys.exit(3)
'

UNIX_BIND='
import socket, sys
try:
    socket.socket(socket.AF_UNIX).bind(sys.argv[1])
    print("BOUND")
except OSError as e:
    print("ERR", e.errno, e.strerror)
    sys.exit(3)
'

# A CA and a localhost certificate it signed, in $TEST_ROOT/tls.
make_ca() {
	local d=$TEST_ROOT/tls
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/ca.key" -out "$d/ca.pem" -days 1 -subj /CN=nono-test-ca \
		2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/srv.key" -out "$d/srv.csr" -subj /CN=localhost 2>/dev/null
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$d/ext"
	openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-CAcreateserial -out "$d/srv.pem" -days 1 -extfile "$d/ext" 2>/dev/null
	chmod -R a+rX "$d"
}

# start_tinyproxy: Debian's tinyproxy on a free loopback port ($UPSTREAM),
# logging to $TEST_ROOT/tp.log.
start_tinyproxy() {
	require_cmd tinyproxy
	UPSTREAM=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	cat >"$TEST_ROOT/tp.conf" <<-CONF
	Port $UPSTREAM
	Listen 127.0.0.1
	Timeout 30
	Allow 127.0.0.1
	LogLevel Info
	LogFile "$TEST_ROOT/tp.log"
	PidFile "$TEST_ROOT/tp.pid"
	CONF
	chmod a+rwx "$TEST_ROOT"
	tinyproxy -d -c "$TEST_ROOT/tp.conf" </dev/null >/dev/null 2>&1 3>&- &
	BG_PIDS+=($!)
	local i
	for i in $(seq 100); do
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$UPSTREAM/" && break
		sleep 0.05
	done
}

# A git identity and defaults in the fake HOME, no system configuration:
# the repository tests' common set-up.
git_identity() {
	export GIT_CONFIG_NOSYSTEM=1
	git config --global user.email t@example.invalid
	git config --global user.name t
	git config --global init.defaultBranch main
}
