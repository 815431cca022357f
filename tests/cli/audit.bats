#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# The audit trail (issue 14): on by default for nono run, every event in a
# hash chain with RFC 9162 leaves, a record and a ledger; nono audit list,
# show, verify and cleanup; each tampering named by verify; a supervisor
# killed with SIGKILL leaves a prefix that verifies, listed as incomplete.

load helpers

# Read before nono_setup, which clears every NONO_* variable.
AGENTS_DIR=${NONO_TEST_AGENTS:-/var/lib/nono-agents}

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	AUD="$HOME/.nono/audit"
}

teardown() {
	nono_teardown
}

# The id of the newest session.
newest() {
	nono audit list --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])'
}

# Every line of the log is JSON with the chain fields, and its events'
# types, in order, on one line.
event_types() { # ID
	"$PY" - "$AUD/$1/audit-events.ndjson" <<'EOF'
import json, sys
types = []
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line)
    types.append(o["event"]["type"])
print(" ".join(types))
EOF
}

@test "audit: a run records its session by default, and it verifies" {
	run --separate-stderr nono run -s --allow . -- sh -c 'echo hi > out.txt; exit 3'
	assert_status 3
	[ -d "$AUD" ] || { echo "no $AUD" >&2; false; }
	[ "$(stat -c %a "$AUD")" = 700 ]
	id=$(newest)
	[ "$(stat -c %a "$AUD/$id")" = 700 ]
	[ "$(stat -c %a "$AUD/$id/audit-events.ndjson")" = 600 ]
	run event_types "$id"
	assert_contains "$output" "session_start policy"
	assert_contains "$output" "session_end"
	assert_contains "$output" "executable"
	# The record: exit code, the executable's digest, the tracked tree.
	run "$PY" -c '
import json, sys, hashlib
r = json.load(open(sys.argv[1]))
assert r["state"] == "complete", r
assert r["exit_code"] == 3, r
exe = r["executable"]
assert exe["sha256"] == hashlib.sha256(open(exe["path"], "rb").read()).hexdigest(), exe
assert sys.argv[2] in r["tracked_paths"], r["tracked_paths"]
assert r["ledger"]["index"] == 0, r
print("record ok")' "$AUD/$id/session.json" "$(pwd -P)"
	assert_status 0
	assert_contains "$output" "record ok"
	run --separate-stderr nono audit verify "$id"
	assert_status 0
	assert_contains "$output" "$id: verified"
	assert_contains "$output" "hash chain and Merkle root match"
	# A unique prefix names it; list shows it.
	run --separate-stderr nono audit verify "${id:0:6}" --json
	assert_status 0
	assert_contains "$output" '"ok":true'
	run --separate-stderr nono audit list
	assert_status 0
	assert_contains "$output" "$id"
	assert_contains "$output" "complete"
}

@test "audit: the leaves and the Merkle root are RFC 9162's, as an independent implementation computes them" {
	run --separate-stderr nono run -s --allow-cwd -- true
	assert_status 0
	id=$(newest)
	run "$PY" - "$AUD/$id" "$id" <<'EOF'
import hashlib, json, sys
d, sid = sys.argv[1], sys.argv[2]
H = lambda b: hashlib.sha256(b).digest()
def mth(leaves):
    n = len(leaves)
    if n == 0: return H(b"")
    if n == 1: return leaves[0]
    k = 1
    while k * 2 < n: k *= 2
    return H(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))
prev = H(b"nono-audit-chain-v1:" + sid.encode())
leaves = []
for raw in open(d + "/audit-events.ndjson", "rb"):
    line = raw.rstrip(b"\n")
    ev = line[line.index(b',"event":') + 9:-1]
    leaf = H(b"\x00" + ev)
    o = json.loads(line)
    assert o["leaf"] == leaf.hex() and o["prev"] == prev.hex(), o["seq"]
    prev = H(prev + leaf)
    assert o["head"] == prev.hex()
    leaves.append(leaf)
r = json.load(open(d + "/session.json"))
assert r["merkle_root"] == mth(leaves).hex()
assert r["chain_head"] == prev.hex()
print("rfc9162 ok", len(leaves))
EOF
	assert_status 0
	assert_contains "$output" "rfc9162 ok"
}

@test "audit: --no-audit writes nothing; --no-audit-integrity keeps a plain log" {
	run --separate-stderr nono run -s --no-audit --allow-cwd -- true
	assert_status 0
	assert_missing "$AUD"
	# Control: the same run without the flag records.
	run --separate-stderr nono run -s --allow-cwd -- true
	assert_status 0
	[ -d "$AUD" ]
	rm -rf "$HOME/.nono"
	run --separate-stderr nono run -s --no-audit-integrity --allow-cwd -- true
	assert_status 0
	id=$(newest)
	run grep -c '"leaf"' "$AUD/$id/audit-events.ndjson"
	[ "$output" = 0 ] || { show_run; false; }
	run --separate-stderr nono audit verify "$id"
	assert_status 0
	assert_contains "$output" "no integrity layer"
}

@test "audit: conflicting flags are errors; nono wrap keeps no trail" {
	run --separate-stderr nono run --no-audit --audit-integrity --allow-cwd -- true
	assert_nono_error "--no-audit conflicts with --audit-integrity"
	run --separate-stderr nono run --no-audit-integrity --audit-sign-key file:///nonexistent --allow-cwd -- true
	assert_nono_error "--no-audit-integrity conflicts with --audit-sign-key"
	run --separate-stderr nono wrap --audit-integrity --allow-cwd -- true
	assert_nono_error "nono wrap keeps no audit trail"
	run --separate-stderr nono wrap --allow-cwd -- true
	assert_status 0
	assert_missing "$AUD"
}

@test "audit: gate refusals are recorded with their object; a trail that cannot be written warns, and the run goes on" {
	run --separate-stderr nono run -s --allow . -- sh -c 'mkdir sub && git init -q sub/repo 2>/dev/null; exit 0'
	assert_status 0
	id=$(newest)
	run grep '"type":"gate"' "$AUD/$id/audit-events.ndjson"
	assert_contains "$output" '"op":"new_repository"'
	assert_contains "$output" "sub/repo/.git"
	# Control: allowed, no refusal is recorded.
	run --separate-stderr nono run -s --allow . --allow-new-repos -- git init -q sub/repo2
	assert_status 0
	id=$(newest)
	run grep -c '"type":"gate"' "$AUD/$id/audit-events.ndjson"
	[ "$output" = 0 ] || { show_run; false; }
	# ~/.nono/audit not private: the default trail is skipped with a
	# warning; asked for by name, the run is refused.
	chmod 777 "$AUD"
	run --separate-stderr nono run --allow-cwd -- true
	assert_status 0
	assert_contains "$stderr" "running without an audit trail"
	run --separate-stderr nono run --audit-integrity --allow-cwd -- true
	assert_nono_error "not private to you"
	chmod 700 "$AUD"
}

@test "audit: proxy decisions are recorded as they are made, without the query" {
	require_cmd curl
	start_http_server
	run --separate-stderr nono run -s --allow-cwd --allow-domain "127.0.0.1:$HTTP_PORT" -- sh -c "
		env -u NO_PROXY -u no_proxy curl -sS --max-time 10 -o /dev/null 'http://127.0.0.1:$HTTP_PORT/index.txt?token=SECRET123'
		env -u NO_PROXY -u no_proxy curl -sS --max-time 10 -o /dev/null http://denied.invalid/x"
	id=$(newest)
	run grep '"type":"network"' "$AUD/$id/audit-events.ndjson"
	assert_contains "$output" '"decision":"allowed"'
	assert_contains "$output" '"path":"/index.txt"'
	assert_contains "$output" '"query_omitted":true'
	assert_contains "$output" '"decision":"denied"'
	assert_contains "$output" '"host":"denied.invalid"'
	refute_contains "$output" SECRET123
}

@test "audit: every tampering fails verification and says where" {
	run --separate-stderr nono run -s --allow . -- sh -c 'echo a > a'
	assert_status 0
	run --separate-stderr nono run -s --allow . -- sh -c 'echo b > b'
	assert_status 0
	id=$(newest)
	d="$AUD/$id"
	cp -a "$d" "$TEST_ROOT/orig"
	cp "$AUD/ledger.ndjson" "$TEST_ROOT/ledger.orig"
	restore() {
		cp -a "$TEST_ROOT/orig/." "$d/"
		cp "$TEST_ROOT/ledger.orig" "$AUD/ledger.ndjson"
	}
	check() { # WHAT NEEDLE
		run --separate-stderr nono audit verify "$id"
		[ "$status" = 1 ] || { echo "tampering not caught: $1" >&2; show_run; return 1; }
		assert_contains "$output" "$2"
		assert_contains "$output" "FAILED verification"
		restore
	}
	ev="$d/audit-events.ndjson"
	# One byte of an event.
	sed -i '2s/"policy"/"polic!"/' "$ev"
	check flip 'line 2: the event'"'"'s bytes do not match'
	# A line deleted.
	sed -i '2d' "$ev"
	check delete "line 2: sequence 3 where 2 was expected"
	# Two lines swapped.
	awk 'NR==2{l=$0;next} NR==3{print;print l;next}1' "$TEST_ROOT/orig/audit-events.ndjson" >"$ev"
	check reorder "line 2: sequence 3 where 2 was expected"
	# Truncated at a line boundary, then mid-line.
	head -n 2 "$TEST_ROOT/orig/audit-events.ndjson" >"$ev"
	check truncate "the record counts"
	truncate -s -5 "$ev"
	check cut "cut short"
	# The record changed.
	sed -i 's/"exit_code":0/"exit_code":7/' "$d/session.json"
	check record "session.json is not the record the ledger took"
	# An older session rewritten in the ledger.
	sed -i '1s/"events":[0-9]*/"events":99/' "$AUD/ledger.ndjson"
	check ledger "ledger.ndjson line 1"
	# The record made to say "incomplete" to hide a cut: the ledger
	# has it as completed.
	sed -i 's/"state":"complete"/"state":"running"/' "$d/session.json"
	head -n 2 "$TEST_ROOT/orig/audit-events.ndjson" >"$ev"
	check hide "the ledger has the session as completed"
	# Control: untouched, it verifies.
	run --separate-stderr nono audit verify "$id"
	assert_status 0
}

@test "audit: a supervisor killed with SIGKILL leaves a log that verifies as a prefix, listed as incomplete" {
	nono run -s --allow-cwd -- sleep 30 &
	pid=$!
	for i in $(seq 100); do
		ls "$AUD"/*/audit-events.ndjson >/dev/null 2>&1 && break
		sleep 0.05
	done
	id=$(basename "$(dirname "$(ls "$AUD"/*/audit-events.ndjson)")")
	for i in $(seq 100); do
		grep -q '"type":"policy"' "$AUD/$id/audit-events.ndjson" && break
		sleep 0.05
	done
	kill -9 "$pid"
	wait "$pid" || true
	pkill -9 -f "sleep 30" || true
	run --separate-stderr nono audit list
	assert_contains "$output" "incomplete"
	run --separate-stderr nono audit verify "$id"
	assert_status 0
	assert_contains "$output" "never finished"
	assert_contains "$output" "verified as far as it goes"
	# A last line cut short by the kill is ignored, not a failure.
	printf '{"seq":99,"prev":"ab' >>"$AUD/$id/audit-events.ndjson"
	run --separate-stderr nono audit verify "$id"
	assert_status 0
	assert_contains "$output" "cut short by the end of the supervisor"
	# Its events are still checked: a change is caught.
	sed -i '1s/"session_start"/"session_stert"/' "$AUD/$id/audit-events.ndjson"
	run --separate-stderr nono audit verify "$id"
	assert_status 1
}

@test "audit: show and list speak JSON; cleanup keeps the newest and running ones" {
	for i in 1 2 3; do
		run --separate-stderr nono run -s --allow-cwd -- true
		assert_status 0
	done
	id=$(newest)
	run --separate-stderr nono audit show "$id" --json
	assert_status 0
	printf '%s' "$output" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); assert d["session"]["id"] == sys.argv[1]; assert d["events"][0]["type"] == "session_start"' "$id"
	run --separate-stderr nono audit list --json
	assert_status 0
	[ "$(printf '%s' "$output" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 3 ]
	run --separate-stderr nono audit cleanup --keep 1 --dry-run
	assert_status 0
	assert_contains "$output" "would remove 2"
	[ "$(ls -d "$AUD"/*/ | wc -l)" = 3 ]
	run --separate-stderr nono audit cleanup --keep 1
	assert_status 0
	[ "$(ls -d "$AUD"/*/ | wc -l)" = 1 ]
	[ -d "$AUD/$id" ]
	run --separate-stderr nono audit cleanup
	assert_nono_error "--older-than D"
	run --separate-stderr nono audit show nosuchid
	assert_nono_error "no audited session"
	run --separate-stderr nono audit frob
	assert_nono_error "unknown audit command"
}

# A P-256 key pair in $TEST_ROOT: key.pem (PKCS#8), key.pub, and $2 as the
# name prefix.
make_key() { # NAME
	openssl ecparam -genkey -name prime256v1 2>/dev/null |
		openssl pkcs8 -topk8 -nocrypt -out "$TEST_ROOT/$1.pem"
	chmod 600 "$TEST_ROOT/$1.pem"
	openssl pkey -in "$TEST_ROOT/$1.pem" -pubout -out "$TEST_ROOT/$1.pub"
}

require_signing() {
	require_cmd openssl
	[ -x "$(dirname "$NONO")/nono-sign" ] || [ -x /usr/local/libexec/nono/nono-sign ] ||
		skip_or_fail "the nono-sign helper is not built"
}

@test "audit: --audit-sign-key signs the session; verify checks it, pinned or not; another key fails" {
	require_signing
	make_key k
	make_key other
	run --separate-stderr nono run -s --allow . --audit-sign-key "file://$TEST_ROOT/k.pem" -- sh -c 'echo x > x'
	assert_status 0
	id=$(newest)
	[ -f "$AUD/$id/audit-attestation.bundle" ]
	[ "$(stat -c %a "$AUD/$id/audit-attestation.bundle")" = 600 ]
	run --separate-stderr nono audit verify "$id" --public-key-file "$TEST_ROOT/k.pub"
	assert_status 0
	assert_contains "$output" "pinned by --public-key-file"
	run --separate-stderr nono audit verify "$id"
	assert_status 0
	assert_contains "$output" "not pinned"
	# Pinned to another key: refused.
	run --separate-stderr nono audit verify "$id" --public-key-file "$TEST_ROOT/other.pub"
	assert_status 1
	assert_contains "$output" "does not verify"
	# The record says which key: it is the statement's subject that
	# was signed, and the bundle the record names.
	run "$PY" -c '
import json, sys, base64
r = json.load(open(sys.argv[1] + "/session.json"))
b = json.load(open(sys.argv[1] + "/audit-attestation.bundle"))
st = json.loads(base64.b64decode(b["dsseEnvelope"]["payload"]))
assert st["subject"][0]["digest"]["sha256"] == r["merkle_root"]
assert st["predicate"]["session_id"] == r["id"]
assert st["predicate"]["ledger"]["index"] == r["ledger"]["index"]
assert r["attestation"]["key_id"] == b["verificationMaterial"]["publicKey"]["hint"]
print("bound")' "$AUD/$id"
	assert_status 0
	assert_contains "$output" bound
}

@test "audit: a replaced signature, a bundle signed with another key, a verify of an unsigned session: all fail" {
	require_signing
	make_key k
	make_key other
	run --separate-stderr nono run -s --allow . --audit-sign-key "file://$TEST_ROOT/k.pem" -- true
	assert_status 0
	a=$(newest)
	run --separate-stderr nono run -s --allow . --audit-sign-key "file://$TEST_ROOT/other.pem" -- true
	assert_status 0
	b=$(newest)
	cp "$AUD/$a/audit-attestation.bundle" "$TEST_ROOT/a.bundle"
	# The signature of session b put in a's bundle.
	"$PY" - "$AUD/$a/audit-attestation.bundle" "$AUD/$b/audit-attestation.bundle" <<'EOF2'
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
a["dsseEnvelope"]["signatures"][0]["sig"] = b["dsseEnvelope"]["signatures"][0]["sig"]
open(sys.argv[1], "w").write(json.dumps(a, separators=(",", ":")) + "\n")
EOF2
	run --separate-stderr nono audit verify "$a" --public-key-file "$TEST_ROOT/k.pub"
	assert_status 1
	assert_contains "$output" "signature FAIL"
	cp "$TEST_ROOT/a.bundle" "$AUD/$a/audit-attestation.bundle"
	# Session b's whole bundle (another key) in a's place.
	cp "$AUD/$b/audit-attestation.bundle" "$AUD/$a/audit-attestation.bundle"
	run --separate-stderr nono audit verify "$a"
	assert_status 1
	assert_contains "$output" "not the bundle the session wrote"
	cp "$TEST_ROOT/a.bundle" "$AUD/$a/audit-attestation.bundle"
	run --separate-stderr nono audit verify "$a" --public-key-file "$TEST_ROOT/k.pub"
	assert_status 0
	# Unsigned session, key given: refused.
	run --separate-stderr nono run -s --allow . -- true
	c=$(newest)
	run --separate-stderr nono audit verify "$c" --public-key-file "$TEST_ROOT/k.pub"
	assert_status 1
	assert_contains "$output" "not run with --audit-sign-key"
}

@test "audit: an unusable signing key stops the run before the command; env:// keys never reach the command" {
	require_signing
	make_key k
	run --separate-stderr nono run -s --allow . --audit-sign-key "file://$TEST_ROOT/missing.pem" -- touch ran
	assert_nono_error "missing.pem"
	assert_missing ran
	openssl genrsa 2048 2>/dev/null >"$TEST_ROOT/rsa.pem"
	chmod 600 "$TEST_ROOT/rsa.pem"
	run --separate-stderr nono run -s --allow . --audit-sign-key "file://$TEST_ROOT/rsa.pem" -- touch ran
	assert_nono_error "not an ECDSA P-256 key"
	assert_missing ran
	run --separate-stderr nono run -s --allow . --audit-sign-key apple-password://x/y -- touch ran
	assert_nono_error "macOS"
	assert_missing ran
	# base64 PKCS#8 in an environment variable.
	KEY=$(openssl pkcs8 -topk8 -nocrypt -in "$TEST_ROOT/k.pem" -outform DER | base64 -w0)
	run --separate-stderr env AUDKEY="$KEY" "$NONO" run -s --allow . --audit-sign-key env://AUDKEY -- sh -c 'env | grep -c ^AUDKEY= || true' </dev/null
	assert_status 0
	[ "$output" = 0 ] || { show_run; false; }
	id=$(newest)
	run --separate-stderr nono audit verify "$id" --public-key-file "$TEST_ROOT/k.pub"
	assert_status 0
	# Control: without the flag the variable is the command's.
	run --separate-stderr env AUDKEY="$KEY" "$NONO" run -s --allow . -- sh -c 'env | grep -c ^AUDKEY= || true' </dev/null
	[ "$output" = 1 ] || { show_run; false; }
}

@test "audit: the public Sigstore verifier (sigstore from npm) accepts the bundle, and refuses a tampered one" {
	require_signing
	require_cmd node
	SIG_DIR=${AGENTS_DIR:-/var/lib/nono-agents}/sigstore
	[ -d "$SIG_DIR/node_modules/@sigstore/verify" ] ||
		skip_or_fail "sigstore from npm is not installed (scripts/agents.sh)"
	make_key k
	make_key other
	run --separate-stderr nono run -s --allow . --audit-sign-key "file://$TEST_ROOT/k.pem" -- true
	assert_status 0
	id=$(newest)
	root=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["merkle_root"])' "$AUD/$id/session.json")
	run node "$BATS_TEST_DIRNAME/lib/sigstore_verify.js" "$SIG_DIR" "$AUD/$id/audit-attestation.bundle" "$TEST_ROOT/k.pub" "$root"
	assert_status 0
	assert_contains "$output" "sigstore: verified"
	# Another key, and a payload changed by one byte: refused.
	run node "$BATS_TEST_DIRNAME/lib/sigstore_verify.js" "$SIG_DIR" "$AUD/$id/audit-attestation.bundle" "$TEST_ROOT/other.pub" "$root"
	assert_status 1
	"$PY" - "$AUD/$id/audit-attestation.bundle" "$TEST_ROOT/t.bundle" <<'EOF2'
import json, sys, base64
b = json.load(open(sys.argv[1]))
p = base64.b64decode(b["dsseEnvelope"]["payload"]).replace(b'"exit_code":0', b'"exit_code":1')
b["dsseEnvelope"]["payload"] = base64.b64encode(p).decode()
open(sys.argv[2], "w").write(json.dumps(b))
EOF2
	run node "$BATS_TEST_DIRNAME/lib/sigstore_verify.js" "$SIG_DIR" "$TEST_ROOT/t.bundle" "$TEST_ROOT/k.pub" "$root"
	assert_status 1
}

@test "audit: --audit-integrity records the tracked tree's Merkle root before and after, as documented" {
	mkdir -p tree/sub
	echo one >tree/a
	echo two >tree/sub/b
	ln -s a tree/link
	run --separate-stderr nono run -s --allow-cwd --allow tree --audit-integrity -- true
	assert_status 0
	id=$(newest)
	run "$PY" - "$AUD/$id/session.json" "$(cd tree && pwd -P)" <<'EOF2'
import hashlib, json, os, stat, sys
r = json.load(open(sys.argv[1])); top = sys.argv[2]
H = lambda b: hashlib.sha256(b).digest()
def mth(l):
    if not l: return H(b"")
    if len(l) == 1: return l[0]
    k = 1
    while k * 2 < len(l): k *= 2
    return H(b"\x01" + mth(l[:k]) + mth(l[k:]))
leaves = []
def walk(d, rel):
    for name in sorted(os.listdir(d), key=os.fsencode):
        p = os.path.join(d, name); q = (rel + "/" + name) if rel else name
        st = os.lstat(p); mode = ("%o" % (st.st_mode & 0o7777)).encode()
        if stat.S_ISREG(st.st_mode): t, dg = b"f", hashlib.sha256(open(p, "rb").read()).hexdigest().encode()
        elif stat.S_ISLNK(st.st_mode): t, dg = b"l", os.fsencode(os.readlink(p))
        elif stat.S_ISDIR(st.st_mode): t, dg = b"d", b""
        else: t, dg = b"o", b""
        leaves.append(H(b"\x00" + q.encode() + b"\x00" + t + b"\x00" + mode + b"\x00" + dg))
        if t == b"d": walk(p, q)
walk(top, "")
fs = r["fs_integrity"]
assert fs["before"][top]["root"] == mth(leaves).hex(), (fs, mth(leaves).hex())
assert fs["after"][top] == fs["before"][top]
print("roots ok", len(leaves))
EOF2
	assert_status 0
	assert_contains "$output" "roots ok 4"
	# A change made by the command shows as another root after.
	run --separate-stderr nono run -s --allow-cwd --allow tree --audit-integrity -- sh -c 'echo changed > tree/a'
	assert_status 0
	id=$(newest)
	run "$PY" -c '
import json, sys
fs = json.load(open(sys.argv[1]))["fs_integrity"]
(b,), (a,) = fs["before"].values(), fs["after"].values()
assert b["root"] != a["root"], fs
print("changed")' "$AUD/$id/session.json"
	assert_contains "$output" changed
	run grep -c '"type":"fs_state"' "$AUD/$id/audit-events.ndjson"
	[ "$output" = 2 ] || { show_run; false; }
	run --separate-stderr nono audit verify "$id"
	assert_status 0
}

@test "audit: the command is redacted in the trail; a non-default [redaction] policy is recorded as a diff" {
	run --separate-stderr nono run -s --allow-cwd -- echo --token SECRETVALUE1 --pat SECRETVALUE2
	assert_status 0
	id=$(newest)
	run cat "$AUD/$id/audit-events.ndjson" "$AUD/$id/session.json"
	refute_contains "$output" SECRETVALUE1
	assert_contains "$output" SECRETVALUE2 # not a default secret flag
	refute_contains "$output" '"redaction":{'
	mkdir -p "$HOME/.config/nono"
	printf '[redaction]\nextra_flags = ["--pat"]\nunsafe_redaction_overrides = true\nallow_unredacted_defaults = ["token"]\n' \
		>"$HOME/.config/nono/config.toml"
	run --separate-stderr nono run -s --allow-cwd -- echo --token SECRETVALUE1 --pat SECRETVALUE2
	assert_status 0
	id=$(newest)
	run cat "$AUD/$id/audit-events.ndjson"
	refute_contains "$output" SECRETVALUE2
	assert_contains "$output" '"added_flags":["--pat"]'
	assert_contains "$output" '"unredacted_defaults":["token"]'
	run "$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["redaction"]["added_flags"])' "$AUD/$id/session.json"
	assert_contains "$output" "--pat"
}

@test "audit: inclusion and consistency proofs verify with an independent RFC 9162 implementation" {
	for i in 1 2 3; do
		run --separate-stderr nono run -s --allow . -- sh -c "mkdir -p d$i && git init -q d$i/r 2>/dev/null; true"
		assert_status 0
	done
	id=$(newest)
	run --separate-stderr nono audit proof "$id" --event 2
	assert_status 0
	echo "$output" >"$TEST_ROOT/incl.json"
	run --separate-stderr nono audit proof --ledger --from 1
	assert_status 0
	echo "$output" >"$TEST_ROOT/cons.json"
	run "$PY" - "$TEST_ROOT/incl.json" "$TEST_ROOT/cons.json" "$AUD/$id" "$AUD/ledger.ndjson" <<'EOF2'
import hashlib, json, sys
H = lambda b: hashlib.sha256(b).digest()
node = lambda l, r: H(b"\x01" + l + r)
def verify_inclusion(idx, size, leaf, path, root):   # RFC 9162 2.1.3.2
    if idx >= size: return False
    fn, sn, r = idx, size - 1, leaf
    for p in path:
        if sn == 0: return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0: fn >>= 1; sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1; sn >>= 1
    return sn == 0 and r == root
def verify_consistency(m, n, r1, r2, proof):         # RFC 9162 2.1.4.2
    if m == n: return not proof and r1 == r2
    if not proof: return False
    if m & (m - 1) == 0: proof = [r1] + proof
    fn, sn = m - 1, n - 1
    while fn & 1: fn >>= 1; sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0: return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while not fn & 1 and fn != 0: fn >>= 1; sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1; sn >>= 1
    return fr == r1 and sr == r2 and sn == 0
b = bytes.fromhex
i = json.load(open(sys.argv[1])); c = json.load(open(sys.argv[2]))
rec = json.load(open(sys.argv[3] + "/session.json"))
# the proven leaf is event 2's, and the root the record's
line = open(sys.argv[3] + "/audit-events.ndjson", "rb").read().split(b"\n")[1]
ev = line[line.index(b',"event":') + 9:-1]
assert i["leaf_hash"] == H(b"\x00" + ev).hex()
assert i["root"] == rec["merkle_root"]
assert verify_inclusion(i["leaf_index"], i["tree_size"], b(i["leaf_hash"]), [b(x) for x in i["path"]], b(i["root"]))
assert not verify_inclusion(i["leaf_index"] + 1, i["tree_size"], b(i["leaf_hash"]), [b(x) for x in i["path"]], b(i["root"]))
assert c["first"] == 1 and c["second"] == 3
assert verify_consistency(1, 3, b(c["first_root"]), b(c["second_root"]), [b(x) for x in c["proof"]])
assert not verify_consistency(1, 3, H(b"x"), b(c["second_root"]), [b(x) for x in c["proof"]])
print("proofs ok")
EOF2
	assert_status 0
	assert_contains "$output" "proofs ok"
	run --separate-stderr nono audit proof "$id" --event 999
	assert_nono_error "past its end"
	run --separate-stderr nono audit proof --ledger
	assert_nono_error "--from M"
}

@test "audit: a flood of refusals stops at the ceiling with a marker and a count; the trail still verifies" {
	# A socket outside every grant: each connect is a refusal.
	start_unix_server "$TEST_ROOT/host.sock"
	run --separate-stderr env NONO_AUDIT_MAX_MB=1 "$NONO" run -s --allow-cwd -- "$PY" -c '
import socket, sys
for i in range(12000):
    s = socket.socket(socket.AF_UNIX)
    try: s.connect(sys.argv[1])
    except OSError: pass
    s.close()' "$TEST_ROOT/host.sock" </dev/null
	assert_status 0
	id=$(newest)
	size=$(stat -c %s "$AUD/$id/audit-events.ndjson")
	[ "$size" -lt $((1024 * 1024 + 65536)) ] || { echo "log is $size bytes" >&2; false; }
	run grep -c '"type":"events_dropped"' "$AUD/$id/audit-events.ndjson"
	[ "$output" = 1 ] || { show_run; false; }
	run grep -c '"type":"session_end"' "$AUD/$id/audit-events.ndjson"
	[ "$output" = 1 ] || { show_run; false; }
	run "$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["events_dropped"] > 1000, r["events_dropped"]; print("dropped", r["events_dropped"])' "$AUD/$id/session.json"
	assert_status 0
	run --separate-stderr nono audit verify "$id"
	assert_status 0
	assert_contains "$output" "some were not written"
	# Control: under the default ceiling every refusal is written.
	run --separate-stderr nono run -s --allow-cwd -- "$PY" -c '
import socket, sys
for i in range(200):
    s = socket.socket(socket.AF_UNIX)
    try: s.connect(sys.argv[1])
    except OSError: pass
    s.close()' "$TEST_ROOT/host.sock"
	id=$(newest)
	run grep -c '"type":"gate"' "$AUD/$id/audit-events.ndjson"
	[ "$output" = 200 ] || { show_run; false; }
}

# Issue 14 review: a consistent rewrite of the record and of an older
# ledger entry (every chain and digest recomputed, no key) passed a pinned
# signature check; the statement's fields are now compared with them.
@test "audit: a signed session rewritten without the key (record and older ledger entries recomputed) fails verification" {
	require_signing
	make_key k
	run --separate-stderr nono run -s --allow . -- true
	run --separate-stderr nono run -s --allow . --audit-sign-key "file://$TEST_ROOT/k.pem" -- sh -c 'exit 3'
	assert_status 3
	id=$(newest)
	cp -a "$AUD" "$TEST_ROOT/aud.orig"
	for change in exit_code ledger; do
		rm -rf "$AUD" && cp -a "$TEST_ROOT/aud.orig" "$AUD"
		"$PY" "$BATS_TEST_DIRNAME/lib/audit_rechain.py" "$AUD" "$id" "$change"
		run --separate-stderr nono audit verify "$id" --public-key-file "$TEST_ROOT/k.pub"
		[ "$status" = 1 ] || { echo "rewrite of $change not caught" >&2; show_run; false; }
		assert_contains "$output" "signature FAIL"
	done
	# Control: untouched, it verifies pinned.
	rm -rf "$AUD" && cp -a "$TEST_ROOT/aud.orig" "$AUD"
	run --separate-stderr nono audit verify "$id" --public-key-file "$TEST_ROOT/k.pub"
	assert_status 0
}

@test "audit: a file:// signing key is hidden from the sandbox; without the flag the same file is readable" {
	require_signing
	openssl ecparam -genkey -name prime256v1 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out sign.pem
	chmod 600 sign.pem
	run --separate-stderr nono run -s --allow-cwd --audit-sign-key "file://$PWD/sign.pem" -- head -c 27 sign.pem
	refute_contains "$output" "BEGIN PRIVATE KEY"
	id=$(newest)
	run --separate-stderr nono audit verify "$id"
	assert_status 0
	# Control.
	run --separate-stderr nono run -s --allow-cwd -- head -c 27 sign.pem
	assert_status 0
	assert_contains "$output" "BEGIN PRIVATE KEY"
}

@test "audit: an end killed after the ledger entry (record staged, not in place) is reported as such, not as tampering" {
	require_signing
	make_key k
	run --separate-stderr nono run -s --allow . --audit-sign-key "file://$TEST_ROOT/k.pem" -- true
	assert_status 0
	id=$(newest)
	d="$AUD/$id"
	# As a kill between the ledger append and the rename leaves it.
	cp "$d/session.json" "$d/.session.json.4242.tmp"
	"$PY" -c '
import json, sys
p = sys.argv[1]; r = json.load(open(p))
r["state"] = "running"
for k in ("ended","ran","exit_code","signal","events","write_error","events_dropped","chain_head","merkle_root","fs_integrity","attestation","ledger"):
    r.pop(k, None)
r["supervisor_pid"] = 999999999
open(p, "w").write(json.dumps(r, separators=(",", ":")) + "\n")' "$d/session.json"
	run --separate-stderr nono audit verify "$id" --public-key-file "$TEST_ROOT/k.pub"
	assert_status 0
	assert_contains "$output" "the final record is .session.json.4242.tmp"
	# The staged record is bound by the ledger: changed, it fails.
	sed -i 's/"exit_code":0/"exit_code":5/' "$d/.session.json.4242.tmp"
	run --separate-stderr nono audit verify "$id"
	assert_status 1
}

@test "audit: a torn ledger line (an append cut short) is repaired by the next append" {
	run --separate-stderr nono run -s --allow . -- true
	run --separate-stderr nono run -s --allow . -- true
	first=$(nono audit list --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[1]["id"])')
	torn=$(newest)
	truncate -s -40 "$AUD/ledger.ndjson"
	rm -f "$AUD/ledger.state"
	run --separate-stderr nono run -s --allow . -- true
	assert_status 0
	refute_contains "$stderr" "damaged"
	id=$(newest)
	run --separate-stderr nono audit verify "$id"
	assert_status 0
	run --separate-stderr nono audit verify "$first"
	assert_status 0
	# The session whose entry was torn off is no longer in the ledger,
	# and verify says so.
	run --separate-stderr nono audit verify "$torn"
	assert_status 1
	assert_contains "$output" "which the ledger does not have"
}
