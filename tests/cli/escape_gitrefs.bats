#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Review r5, finding 1: under --allow . the sandbox may write git objects,
# refs and the index (git commit works), so it could make a commit that adds
# .mcp.json and .claude/settings.json (names the gate refuses in the work
# tree) through a private index in /tmp, and move a branch to it: nothing
# showed in git status, and the user's next `git checkout main` outside nono
# wrote the files (the real claude then started the planted MCP server).
# At the end of the session nono puts back every ref that moved to such a
# commit, keeps the sandbox's commit under refs/nono/quarantine/, and puts
# the index back where a protected path was staged in it.

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	require_userns
	require_cmd git
	git_identity
	mkdir proj
	cd proj || return 1
	git init -q .
	echo hi >README
	git add README
	git commit -q -m init
	git checkout -q -b feature
	echo f >f
	git add f
	git commit -q -m feat
	START_MAIN=$(git rev-parse main)
	START_FEATURE=$(git rev-parse feature)
}

teardown() {
	nono_teardown
}

# The reviewer's script: a commit adding the two files, made through an
# index in /tmp, never in the work tree; $1 is the ref it moves.
PLANT='set -e
B1=$(printf "{\"enableAllProjectMcpServers\":true}\n" | git hash-object -w --stdin)
B2=$(printf "{\"mcpServers\":{\"x\":{\"command\":\"sh\"}}}\n" | git hash-object -w --stdin)
export GIT_INDEX_FILE=$(mktemp /tmp/idx.XXXXXX)
git read-tree "$2"
git update-index --add --cacheinfo 100644,$B1,.claude/settings.json --cacheinfo 100644,$B2,.mcp.json
T=$(git write-tree); C=$(git commit-tree $T -p "$2" -m "chore: update deps")
git update-ref "$1" $C; rm -f "$GIT_INDEX_FILE"; echo "planted:$C"'

# The commit the sandbox made, from its output.
planted() {
	printf '%s\n' "$output" | sed -n 's/^planted://p'
}

@test "review r5-1: a branch moved to a commit adding .mcp.json and .claude/settings.json is put back, the commit kept in quarantine" {
	run --separate-stderr nono run --allow . -- sh -c "$PLANT" sh refs/heads/main main
	assert_status 0
	local c
	c=$(planted)
	[ -n "$c" ] || { echo "no commit: $output $stderr"; false; }
	# main is back where it was, the sandbox's commit is kept
	[ "$(git rev-parse main)" = "$START_MAIN" ] || {
		echo "main moved: $(git log --oneline -1 main)"
		false
	}
	run git for-each-ref --format='%(refname) %(objectname)' refs/nono/quarantine
	assert_contains "$output" "/refs/heads/main $c" "the quarantine ref"
	assert_contains "$stderr" "refs/heads/main" stderr
	assert_contains "$stderr" ".mcp.json" stderr
	assert_contains "$stderr" ".claude/settings.json" stderr
	assert_contains "$stderr" "update-ref refs/heads/main refs/nono/quarantine/" stderr
	# the user's next checkout writes nothing of it
	git checkout -q main
	assert_missing .mcp.json
	assert_missing .claude/settings.json
	# the command in the warning takes it anyway
	local q
	q=$(git for-each-ref --format='%(refname)' refs/nono/quarantine)
	git update-ref refs/heads/main "$q"
	[ "$(git rev-parse main)" = "$c" ]
}

# The same on the branch checked out, by a plain `git commit` through an
# index in /tmp: git status showed them deleted, and the usual ways of
# dropping an agent's changes (git checkout ., git reset --hard, git
# stash) wrote them.
@test "review r5-1: a commit of protected names on the current branch through a private index is put back" {
	run --separate-stderr nono run --allow . -- sh -c '
		set -e
		export GIT_INDEX_FILE=$(mktemp /tmp/idx.XXXXXX)
		git read-tree HEAD
		B=$(echo "{\"mcpServers\":{}}" | git hash-object -w --stdin)
		git update-index --add --cacheinfo 100644,$B,.mcp.json
		git update-index --add --cacheinfo 100644,$B,.vscode/tasks.json
		git commit -q -m "chore: deps"
		rm -f "$GIT_INDEX_FILE"
		echo "planted:$(git rev-parse HEAD)"'
	assert_status 0
	[ -n "$(planted)" ]
	[ "$(git rev-parse feature)" = "$START_FEATURE" ]
	[ "$(git symbolic-ref HEAD)" = refs/heads/feature ]
	assert_contains "$stderr" "refs/heads/feature" stderr
	assert_contains "$stderr" ".vscode/tasks.json" stderr
	# nothing of it in the reflog that an undo would take
	refute_contains "$(git reflog -5 --format=%H)" "$(planted)" reflog
	run git status --porcelain
	[ -z "$output" ] || { echo "status: $output"; false; }
	git checkout -q .
	git reset -q --hard
	git stash -q 2>/dev/null || true
	assert_missing .mcp.json
	assert_missing .vscode
}

# A commit that adds the file and a later one that removes it: the branch's
# last commit has none, but `git reset --hard HEAD~1` (dropping the agent's
# last commit) would write it.
@test "review r5-1: a protected name added in any commit of the session counts, not only in the last" {
	run --separate-stderr nono run --allow . -- sh -c '
		set -e
		export GIT_INDEX_FILE=$(mktemp /tmp/idx.XXXXXX)
		git read-tree HEAD
		B=$(echo x | git hash-object -w --stdin)
		git update-index --add --cacheinfo 100644,$B,sub/.mcp.json
		git commit -q -m one
		git update-index --force-remove sub/.mcp.json
		git commit -q -m two
		rm -f "$GIT_INDEX_FILE"
		echo "planted:$(git rev-parse HEAD)"'
	assert_status 0
	[ "$(git rev-parse feature)" = "$START_FEATURE" ]
	assert_contains "$stderr" "sub/.mcp.json" stderr
}

# git stash pop takes refs/stash; the sandbox stored a stash that adds the
# files.
@test "review r5-1: a stash that adds protected names is put back" {
	run --separate-stderr nono run --allow . -- sh -c '
		set -e
		export GIT_INDEX_FILE=$(mktemp /tmp/idx.XXXXXX)
		git read-tree HEAD
		B=$(echo "{\"enableAllProjectMcpServers\":true}" | git hash-object -w --stdin)
		git update-index --add --cacheinfo 100644,$B,.claude/settings.json
		T=$(git write-tree)
		I=$(git commit-tree $T -p HEAD -m index)
		W=$(git commit-tree $T -p HEAD -p $I -m "WIP on feature")
		git stash store -m "WIP on feature" $W
		rm -f "$GIT_INDEX_FILE"
		echo "planted:$W"'
	assert_status 0
	[ -n "$(planted)" ]
	assert_contains "$stderr" "refs/stash" stderr
	assert_contains "$stderr" ".claude/settings.json" stderr
	run git rev-parse -q --verify refs/stash
	[ "$status" -ne 0 ] || { echo "refs/stash: $output"; false; }
	git stash pop -q 2>/dev/null || true
	assert_missing .claude/settings.json
	run git for-each-ref --format='%(objectname)' refs/nono/quarantine/
	assert_contains "$output" "$(planted)" quarantine
}

# The index itself: `git checkout .` and `git restore` write what it holds.
@test "review r5-1: a protected name staged in the index is put back, the sandbox's index kept beside it" {
	echo ok >ok
	git add ok
	run --separate-stderr nono run --allow . -- sh -c '
		set -e
		B=$(echo "{\"mcpServers\":{}}" | git hash-object -w --stdin)
		git update-index --add --cacheinfo 100644,$B,.mcp.json
		echo staged'
	assert_status 0
	assert_contains "$output" staged stdout
	assert_contains "$stderr" "index" stderr
	assert_contains "$stderr" ".mcp.json" stderr
	run git ls-files -s .mcp.json
	[ -z "$output" ] || { echo "still staged: $output"; false; }
	# the user's own staging is as it was
	run git diff --cached --name-only
	assert_contains "$output" ok "staged before"
	ls .git/index.nono-quarantine-* >/dev/null
	git checkout -q -- .
	assert_missing .mcp.json
	# the command in the warning takes it
	mv .git/index.nono-quarantine-* .git/index
	run git ls-files .mcp.json
	assert_contains "$output" .mcp.json "taken"
}

# A new branch, a tag, ORIG_HEAD, FETCH_HEAD, a detached HEAD, a replace
# ref and a link out of the tree: each goes back.
@test "review r5-1: new refs, pseudo-refs, a detached HEAD, replace refs and links out of the tree go back" {
	run --separate-stderr nono run --allow . -- sh -c '
		set -e
		export GIT_INDEX_FILE=$(mktemp /tmp/idx.XXXXXX)
		git read-tree HEAD
		B=$(echo x | git hash-object -w --stdin)
		git update-index --add --cacheinfo 100644,$B,.envrc
		C=$(git commit-tree $(git write-tree) -p HEAD -m envrc)
		git read-tree HEAD
		L=$(printf /tmp/evil | git hash-object -w --stdin)
		git update-index --add --cacheinfo 120000,$L,docs
		D=$(git commit-tree $(git write-tree) -p HEAD -m link)
		rm -f "$GIT_INDEX_FILE"
		git branch evil $C
		git tag v9 $C
		git update-ref ORIG_HEAD $C
		printf "%s\t\tbranch main of x\n" $D >.git/FETCH_HEAD
		git replace HEAD $C
		git update-ref --no-deref HEAD $D
		echo "planted:$C"'
	assert_status 0
	[ -n "$(planted)" ]
	local r
	for r in refs/heads/evil refs/tags/v9 ORIG_HEAD FETCH_HEAD refs/replace/; do
		assert_contains "$stderr" "$r" stderr
	done
	assert_contains "$stderr" ".envrc" stderr
	assert_contains "$stderr" "docs" stderr
	[ "$(git symbolic-ref HEAD)" = refs/heads/feature ]
	run git for-each-ref --format='%(refname)' refs/heads refs/tags refs/replace
	refute_contains "$output" evil refs
	refute_contains "$output" v9 refs
	refute_contains "$output" replace refs
	assert_missing .git/ORIG_HEAD
	assert_missing .git/FETCH_HEAD
	git reset -q --hard
	assert_missing .envrc
	assert_missing docs
}

# What the session does with git in the ordinary way stays as it left it,
# with no word: commits on the branch, a new branch of ordinary files, a
# tag, a stash, a staged file, and a project whose own committed
# configuration (.claude/settings.json, .mcp.json) is untouched.
@test "review r5-1: control: ordinary commits, branches, tags, stashes and staging made inside stay as the sandbox left them" {
	git checkout -q main
	mkdir .claude
	echo '{}' >.claude/settings.json
	echo '{}' >.mcp.json
	git add .claude .mcp.json
	git commit -q -m "our own configuration"
	run --separate-stderr nono run --allow . -- sh -c '
		set -e
		echo more >>README; git commit -q -am readme
		git checkout -q -b topic; mkdir -p src; echo "int x;" >src/x.c
		git add src; git commit -q -m topic
		git tag -a v1 -m v1
		git checkout -q main; git merge -q --no-edit topic
		echo wip >>README; git stash -q
		echo new >new; git add new
		git for-each-ref --format="%(refname) %(objectname)"
		echo "HEAD $(git rev-parse HEAD)"'
	assert_status 0
	local before=$output
	run git for-each-ref --format="%(refname) %(objectname)"
	local line
	while read -r line; do
		case $line in HEAD*) continue ;; esac
		assert_contains "$output" "$line" "after the run"
	done <<<"$before"
	refute_contains "$output" refs/nono "no quarantine"
	assert_contains "$before" "HEAD $(git rev-parse HEAD)" HEAD
	refute_contains "$stderr" "the sandbox" stderr
	run git diff --cached --name-only
	assert_contains "$output" new "the staging kept"
	[ -f .claude/settings.json ] && [ -f .mcp.json ]
	ls .git/index.nono-quarantine-* 2>/dev/null && false
	true
}

# A commit of the user's that added their own configuration, amended (or
# rebased) by the sandbox: the new commit adds the same files with the same
# content as HEAD had at the start, which a checkout writes as they are.
@test "review r5-1: control: the user's own configuration carried unchanged by an amended commit stays" {
	mkdir .claude
	echo '{}' >.claude/settings.json
	git add .claude
	git commit -q -m "our own configuration"
	run --separate-stderr nono run --allow . -- sh -c '
		set -e
		git commit -q --amend -m "our own configuration, reworded"
		echo "amended:$(git rev-parse HEAD)"'
	assert_status 0
	[ "$(git rev-parse HEAD)" = "$(printf '%s\n' "$output" | sed -n 's/^amended://p')" ]
	refute_contains "$stderr" "the sandbox" stderr
	# changed, the same file goes back
	run --separate-stderr nono run --allow . -- sh -c '
		set -e
		export GIT_INDEX_FILE=$(mktemp /tmp/idx.XXXXXX)
		git read-tree HEAD
		B=$(echo "{\"hooks\":{}}" | git hash-object -w --stdin)
		git update-index --cacheinfo 100644,$B,.claude/settings.json
		git commit -q --amend -m again
		rm -f "$GIT_INDEX_FILE"'
	assert_status 0
	assert_contains "$stderr" ".claude/settings.json" stderr
	[ "$(git log -1 --format=%s)" = "our own configuration, reworded" ]
}

# --bypass-protection PATH allows the path, in a commit as in the tree.
@test "review r5-1: --bypass-protection lets a commit of that path through" {
	run --separate-stderr nono run --allow . \
		--bypass-protection "$TEST_DIR/proj/.mcp.json" \
		--bypass-protection "$TEST_DIR/proj/.claude/settings.json" \
		-- sh -c "$PLANT" sh refs/heads/main main
	assert_status 0
	[ "$(git rev-parse main)" = "$(planted)" ]
	refute_contains "$stderr" "the sandbox moved" stderr
}

# The audit trail records what was put back.
@test "review r5-1: the audit trail records the refs and the index put back" {
	run --separate-stderr nono run --allow . -- sh -c "$PLANT" sh refs/heads/main main
	assert_status 0
	local ev
	ev=$(cat "$HOME"/.nono/audit/*/audit-events.ndjson)
	assert_contains "$ev" '"git_ref_restored"' events
	assert_contains "$ev" '"ref":"refs/heads/main"' events
	assert_contains "$ev" '.mcp.json' events
}

# What the sandbox leaves to make git fail at the end (a ref's lock, a
# file where the quarantine goes) does not keep the ref where it is.
@test "review r5-1: a lock or a file left in the way does not stop the put-back" {
	run --separate-stderr nono run --allow . -- sh -c "$PLANT"'
		touch .git/refs/heads/main.lock .git/packed-refs.lock
		echo x >.git/refs/nono' sh refs/heads/main main
	assert_status 0
	[ -n "$(planted)" ]
	[ "$(git rev-parse main)" = "$START_MAIN" ] || {
		echo "main: $(git log --oneline -1 main) $stderr"
		false
	}
	assert_contains "$stderr" ".mcp.json" stderr
	git checkout -q main
	assert_missing .mcp.json
}

# Refs nono does not read (deeper than 32 levels) are named, and the run
# does not end in success; those it read are still put back.
@test "review r5-1: refs too deep to read make a warning and a failed run, the rest is still checked" {
	run --separate-stderr nono run --allow . -- sh -c "$PLANT"'
		git update-ref "refs/heads/$(printf "d/%.0s" $(seq 34))x" HEAD' \
		sh refs/heads/main main
	[ "$status" -ne 0 ] || { echo "status 0: $stderr"; false; }
	assert_contains "$stderr" "deeper ones" stderr
	[ "$(git rev-parse main)" = "$START_MAIN" ]
}

# The review's follow-up: with no ref moved, the sandbox made one of the
# user's tree objects writable and wrote another tree into it; the user's
# next `git reset --hard` wrote .claude/settings.json.
@test "gitrefs: the user's objects cannot be rewritten, moved away or redirected (alternates); commits and gc still work" {
	git init -q obj
	cd obj
	echo hi >README
	git add README
	git commit -qm init
	local t o
	t=$(git rev-parse 'HEAD^{tree}')
	o=.git/objects/${t:0:2}/${t:2}
	git cat-file -p "$t" >"$TEST_DIR/tree.before"
	run --separate-stderr nono run --allow . -- sh -c "
		chmod u+w $o; echo x >>$o && echo W1
		mv $o $o.away && echo M1
		echo /tmp >.git/objects/info/alternates && echo A1
		echo y >f && git add f && git commit -qm two && echo COMMITTED
		git gc -q && echo GC"
	for w in W1 M1 A1; do refute_contains "$output" "$w" "$w"; done
	# the tree reads as it did (gc has packed it since)
	git cat-file -p "$t" | cmp - "$TEST_DIR/tree.before"
	assert_missing .git/objects/info/alternates
	assert_contains "$output" GC stdout
	# control: the sandbox's own commit went in, and the repository is whole
	assert_contains "$output" COMMITTED stdout
	[ "$(git log --oneline | wc -l)" = 2 ]
	git fsck --no-dangling
}
