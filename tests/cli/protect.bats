#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Protected paths (credentials, shell files, ~/.nono) and persistence files
# (.git/hooks, .git/config, .envrc, .vscode, .idea), and
# --bypass-protection.  Hiding needs a private mount namespace.
#
# As root, a masked file may still be opened (it is an empty mode-0 stand-in),
# so every test asserts that the secret CONTENT never shows, not just codes.

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	mkdir -p "$HOME/.ssh" "$HOME/.aws"
	echo SSH-SECRET-KEY >"$HOME/.ssh/id_rsa"
	chmod 600 "$HOME/.ssh/id_rsa"
	echo AWS-SECRET >"$HOME/.aws/credentials"
	echo NETRC-SECRET >"$HOME/.netrc"
	echo HISTORY-SECRET >"$HOME/.bash_history"
	echo BASHRC-ORIGINAL >"$HOME/.bashrc"
	echo PUBLIC-NOTES >"$HOME/notes.txt"
	mkdir "$TEST_DIR/work"
	cd "$TEST_DIR/work" || return 1
}

teardown() {
	nono_teardown
}

@test "protect: --allow \$HOME hides credentials, history and shell files" {
	require_userns
	cd "$HOME"
	run --separate-stderr nono run -s --no-diagnostics --allow "$HOME" -- sh -c '
		for f in .ssh/id_rsa .aws/credentials .netrc .bash_history .bashrc notes.txt; do
			cat "$HOME/$f"
		done
		ls -a "$HOME/.ssh"'
	local secret
	for secret in SSH-SECRET-KEY AWS-SECRET NETRC-SECRET HISTORY-SECRET BASHRC-ORIGINAL; do
		refute_contains "$output" "$secret" stdout
	done
	refute_contains "$output" id_rsa "stdout (listing of ~/.ssh)"
	# control: a sibling file in the same granted home is readable
	assert_contains "$output" PUBLIC-NOTES stdout
}

@test "protect: --allow \$HOME cannot overwrite shell start-up files" {
	require_userns
	cd "$HOME"
	run --separate-stderr nono run -s --no-diagnostics --allow "$HOME" -- sh -c '
		echo evil >>"$HOME/.bashrc"; echo evil >"$HOME/.ssh/authorized_keys"
		echo changed >"$HOME/notes.txt"'
	assert_file_content "$HOME/.bashrc" BASHRC-ORIGINAL
	assert_missing "$HOME/.ssh/authorized_keys"
	# control: an ordinary file in the same grant was written
	assert_file_content "$HOME/notes.txt" changed
}

@test "protect: the footer names the protected path and the bypass" {
	require_userns
	cd "$HOME"
	run --separate-stderr nono run --allow "$HOME" -- cat "$HOME/.ssh/id_rsa"
	[ "$status" -ne 0 ] || { show_run; false; }
	refute_contains "$output" SSH-SECRET-KEY stdout
	assert_contains "$stderr" "--bypass-protection $HOME/.ssh" stderr
}

@test "protect: ~/.nono is unreachable even with --allow \$HOME" {
	require_userns
	cd "$HOME"
	mkdir -p "$HOME/.nono"
	echo NONO-STATE >"$HOME/.nono/state"
	run --separate-stderr nono run -s --no-diagnostics --allow "$HOME" -- sh -c '
		cat "$HOME/.nono/state"
		echo evil >"$HOME/.nono/state"; echo evil >"$HOME/.nono/planted"
		mkdir "$HOME/.nono/dir"; echo ok >"$HOME/notes.txt"'
	refute_contains "$output" NONO-STATE stdout
	assert_file_content "$HOME/.nono/state" NONO-STATE
	assert_missing "$HOME/.nono/planted"
	assert_missing "$HOME/.nono/dir"
	assert_file_content "$HOME/notes.txt" ok
}

@test "protect: a ~/.nono that does not exist yet cannot be created by the child" {
	require_userns
	cd "$HOME"
	rm -rf "$HOME/.nono"
	# --no-audit: nono's own trail would make ~/.nono/audit itself.
	run --separate-stderr nono run -s --no-audit --no-diagnostics --allow "$HOME" -- sh -c '
		mkdir -p "$HOME/.nono/audit"; echo evil >"$HOME/.nono/planted"
		echo ok >"$HOME/notes.txt"'
	assert_file_content "$HOME/notes.txt" ok
	assert_missing "$HOME/.nono/planted"
	assert_missing "$HOME/.nono/audit"
}

@test "protect: --read on a protected path needs --bypass-protection" {
	run --separate-stderr nono run --allow-cwd --read "$HOME/.ssh" -- cat "$HOME/.ssh/id_rsa"
	assert_nono_error "protected path"
	grep -q '^hint: .*--bypass-protection' <<<"$stderr" || { show_run; false; }
	refute_contains "$output" SSH-SECRET-KEY stdout

	run --separate-stderr nono run --allow-cwd --read-file "$HOME/.netrc" -- cat "$HOME/.netrc"
	assert_nono_error "protected path"
	refute_contains "$output" NETRC-SECRET stdout
}

@test "protect: --bypass-protection plus a grant makes it readable, with a warning" {
	run --separate-stderr nono run --allow-cwd --bypass-protection "$HOME/.ssh" \
		--read "$HOME/.ssh" -- cat "$HOME/.ssh/id_rsa"
	assert_status 0
	[ "$output" = SSH-SECRET-KEY ] || { show_run; false; }
	assert_contains "$stderr" "protection bypassed" stderr
	assert_contains "$stderr" "$HOME/.ssh" stderr

	# the grant is still read-only
	run --separate-stderr nono run -s --no-diagnostics --allow-cwd --bypass-protection "$HOME/.ssh" \
		--read "$HOME/.ssh" -- sh -c 'echo evil >"$HOME/.ssh/authorized_keys"'
	assert_status 2
	assert_missing "$HOME/.ssh/authorized_keys"
}

@test "protect: bypassing one path leaves the others hidden" {
	require_userns
	cd "$HOME"
	run --separate-stderr nono run --no-diagnostics --bypass-protection "$HOME/.ssh" \
		--allow "$HOME" -- sh -c 'cat "$HOME/.ssh/id_rsa" "$HOME/.aws/credentials" "$HOME/.netrc"'
	assert_contains "$output" SSH-SECRET-KEY stdout
	refute_contains "$output" AWS-SECRET stdout
	refute_contains "$output" NETRC-SECRET stdout
	assert_contains "$stderr" "protection bypassed" stderr
}

@test "protect: --bypass-protection without a matching grant is an error" {
	run --separate-stderr nono run --allow-cwd --bypass-protection "$HOME/.ssh" -- \
		cat "$HOME/.ssh/id_rsa"
	assert_nono_error "no matching grant"
	refute_contains "$output" SSH-SECRET-KEY stdout

	# a grant of something else does not match either
	run --separate-stderr nono run --allow-cwd --bypass-protection "$HOME/.ssh" \
		--read "$HOME/.aws" -- cat "$HOME/.ssh/id_rsa"
	assert_nono_error "no matching grant"
	refute_contains "$output" SSH-SECRET-KEY stdout
}

@test "protect: --bypass-protection of an ordinary path is an error" {
	run --separate-stderr nono run --allow-cwd --bypass-protection "$HOME/notes.txt" \
		--read-file "$HOME/notes.txt" -- cat "$HOME/notes.txt"
	assert_nono_error "not a protected path"
	refute_contains "$output" PUBLIC-NOTES stdout
}

# --- persistence files in a writable project ----------------------------

make_project() {
	PROJ="$TEST_DIR/proj"
	mkdir -p "$PROJ/.git/hooks" "$PROJ/.git/objects" "$PROJ/.vscode" "$PROJ/.idea"
	echo HOOK-ORIGINAL >"$PROJ/.git/hooks/pre-commit"
	echo CONFIG-ORIGINAL >"$PROJ/.git/config"
	echo ENVRC-ORIGINAL >"$PROJ/.envrc"
	echo VSCODE-ORIGINAL >"$PROJ/.vscode/settings.json"
	echo IDEA-ORIGINAL >"$PROJ/.idea/workspace.xml"
}

# Tries each write in a sandboxed shell and prints NAME:ok or NAME:refused.
TRY_WRITES='
try() { n=$1; shift; if ( eval "$*" ) 2>/dev/null; then echo "$n:ok"; else echo "$n:refused"; fi; }
try hook  "echo evil >.git/hooks/pre-commit"
try config "echo evil >>.git/config"
try mvgit "mv .git .git2"
try envrc "echo evil >>.envrc"
try vscode "echo evil >.vscode/settings.json"
try idea "echo evil >.idea/workspace.xml"
try normal "echo fine >normal.txt"
try objects "echo blob >.git/objects/x"
'

@test "protect: persistence files in a writable project are read-only" {
	require_userns
	make_project
	cd "$PROJ"
	run --separate-stderr nono run -s --no-diagnostics --allow "$PROJ" -- sh -c "$TRY_WRITES"
	assert_status 0
	local n
	for n in hook config mvgit envrc vscode idea; do
		assert_contains "$output" "$n:refused" stdout
	done
	# controls: ordinary files and git objects are writable
	assert_contains "$output" "normal:ok" stdout
	assert_contains "$output" "objects:ok" stdout
	assert_file_content normal.txt fine
	assert_file_content .git/objects/x blob
	# and nothing changed on the host
	assert_file_content .git/hooks/pre-commit HOOK-ORIGINAL
	assert_file_content .git/config CONFIG-ORIGINAL
	assert_file_content .envrc ENVRC-ORIGINAL
	assert_file_content .vscode/settings.json VSCODE-ORIGINAL
	assert_file_content .idea/workspace.xml IDEA-ORIGINAL
	assert_missing .git2
}

@test "protect: sibling repositories below a writable grant keep read-only hooks and config" {
	require_userns
	local work="$TEST_DIR/work"
	mkdir -p "$work/a" "$work/b/.git/hooks" "$work/b/src" "$work/notrepo"
	echo HOOK-B >"$work/b/.git/hooks/post-checkout"
	echo CONFIG-B >"$work/b/.git/config"
	echo ENVRC-B >"$work/b/.envrc"
	cd "$work/a"
	for cmd in run wrap; do
		run --separate-stderr nono "$cmd" -s --allow "$work" -- sh -c '
			echo evil >../b/.git/hooks/pre-commit 2>/dev/null && echo newhook:ok || echo newhook:refused
			echo evil >../b/.git/hooks/post-checkout 2>/dev/null && echo hook:ok || echo hook:refused
			echo evil >../b/.git/config 2>/dev/null && echo config:ok || echo config:refused
			echo evil >../b/.envrc 2>/dev/null && echo envrc:ok || echo envrc:refused
			echo code >../b/src/main.c && echo src:ok
			echo blob >../b/.git/packed-refs && echo gitdata:ok'
		assert_status 0
		local n
		for n in newhook hook config envrc; do
			assert_contains "$output" "$n:refused" stdout
		done
		# controls: the sibling's ordinary files and git data are writable
		assert_contains "$output" "src:ok" stdout
		assert_contains "$output" "gitdata:ok" stdout
	done
	assert_file_content "$work/b/.git/hooks/post-checkout" HOOK-B
	assert_file_content "$work/b/.git/config" CONFIG-B
	assert_file_content "$work/b/.envrc" ENVRC-B
	assert_missing "$work/b/.git/hooks/pre-commit"
}

@test "protect: --bypass-protection .git/hooks lifts that one only" {
	require_userns
	make_project
	cd "$PROJ"
	run --separate-stderr nono run --no-diagnostics --allow "$PROJ" \
		--bypass-protection "$PROJ/.git/hooks" -- sh -c "$TRY_WRITES"
	assert_status 0
	assert_contains "$output" "hook:ok" stdout
	assert_contains "$stderr" "protection bypassed" stderr
	assert_file_content .git/hooks/pre-commit evil
	local n
	for n in config mvgit envrc vscode idea; do
		assert_contains "$output" "$n:refused" stdout
	done
	assert_file_content .git/config CONFIG-ORIGINAL
}

# A grant naming .git itself keeps its hooks and config read-only.
@test "protect: granting .git directly does not make hooks writable without a bypass" {
	require_userns
	make_project
	cd "$PROJ"
	run --separate-stderr nono run -s --no-diagnostics --allow-cwd --allow "$PROJ/.git" -- \
		sh -c 'echo evil >.git/hooks/pre-commit; echo blob >.git/objects/y'
	if [ "$status" -eq 0 ]; then
		# it ran: the grant itself worked ...
		assert_file_content .git/objects/y blob
	else
		# ... or nono refused the grant, as it does for credentials
		assert_nono_error "protected path"
	fi
	assert_file_content .git/hooks/pre-commit HOOK-ORIGINAL
}

# Creation guard: persistence files that do not exist yet cannot be created
# at the root of a writable tree (Landlock refuses new names there; the
# supervisor creates the allowed ones).
TRY_CREATES='
try() { n=$1; shift; if ( eval "$*" ) 2>/dev/null; then echo "$n:ok"; else echo "$n:refused"; fi; }
try gitdir "mkdir -p .git/hooks && echo evil >.git/hooks/pre-commit"
try envrc "echo evil >.envrc"
try gitmodules "echo evil >.gitmodules"
try vscode "mkdir .vscode"
try bashrc "echo evil >.bashrc"
try renamed "echo evil >x && mv x .envrc"
try linked "echo evil >y && ln y .gitmodules"
try symlinked "ln -s /dev/null .envrc"
try file "echo fine >new.txt && test \"\$(cat new.txt)\" = fine"
try dir "mkdir build && echo obj >build/o && test -s build/o"
try deep "mkdir -p a/b/c && echo d >a/b/c/d && test -s a/b/c/d"
try rename "echo r >r1 && mv r1 r2 && test -s r2"
try hardlink "echo h >h1 && ln h1 h2 && test -s h2"
try excl "python3 -c \"import os; os.close(os.open(\\\"ex\\\", os.O_CREAT|os.O_EXCL|os.O_WRONLY, 0o600))\" && test \"\$(stat -c %a ex)\" = 600"
'

@test "guard: a tree without .git cannot gain hooks, .envrc or rc files; other files can be created" {
	PROJ="$TEST_DIR/fresh"
	mkdir -p "$PROJ/src"
	cd "$PROJ"
	run --separate-stderr nono run -s --no-diagnostics --allow . -- sh -c "$TRY_CREATES"
	assert_status 0
	local n
	for n in gitdir envrc gitmodules vscode bashrc renamed linked symlinked; do
		assert_contains "$output" "$n:refused" stdout
	done
	for n in file dir deep rename hardlink excl; do
		assert_contains "$output" "$n:ok" stdout
	done
	assert_missing "$PROJ/.git"
	assert_missing "$PROJ/.envrc"
	assert_missing "$PROJ/.gitmodules"
	assert_missing "$PROJ/.bashrc"
	assert_file_content "$PROJ/new.txt" fine
}

@test "guard: in a tree with .git, new hooks and a new config are refused; git's own files are not" {
	PROJ="$TEST_DIR/repo"
	mkdir -p "$PROJ/.git/objects"
	cd "$PROJ"
	run --separate-stderr nono run -s --no-diagnostics --allow . -- sh -c '
		mkdir .git/hooks 2>/dev/null && echo hooks:ok || echo hooks:refused
		echo x >.git/config 2>/dev/null && echo config:ok || echo config:refused
		echo i >.git/index.lock && mv .git/index.lock .git/index && echo index:ok
		echo o >.git/objects/x && echo objects:ok'
	assert_status 0
	assert_contains "$output" "hooks:refused" stdout
	assert_contains "$output" "config:refused" stdout
	assert_contains "$output" "index:ok" stdout
	assert_contains "$output" "objects:ok" stdout
	assert_missing "$PROJ/.git/hooks"
	assert_missing "$PROJ/.git/config"
	assert_file_content "$PROJ/.git/index" i
}

@test "guard: --bypass-protection of .git lets a fresh tree become a repository" {
	PROJ="$TEST_DIR/fresh"
	mkdir -p "$PROJ"
	cd "$PROJ"
	run --separate-stderr nono run -s --no-diagnostics --allow . -- sh -c 'mkdir .git'
	[ "$status" -ne 0 ] || { show_run; false; }
	assert_missing "$PROJ/.git"

	run --separate-stderr nono run --no-diagnostics --allow . --bypass-protection "$PROJ/.git" -- \
		sh -c 'mkdir -p .git/hooks && echo h >.git/hooks/pre-commit'
	assert_status 0
	assert_contains "$stderr" "protection bypassed" stderr
	assert_file_content "$PROJ/.git/hooks/pre-commit" h
}

@test "guard: with \$HOME granted, a missing ~/.bashrc or ~/.ssh cannot be created" {
	require_userns
	# a home of its own: setup() gave this file's $HOME rc files already
	export HOME="$TEST_ROOT/home2"
	mkdir -p "$HOME"
	cd "$HOME"
	run --separate-stderr nono run -s --no-diagnostics --allow "$HOME" -- sh -c '
		echo evil >~/.bashrc 2>/dev/null && echo bashrc:ok || echo bashrc:refused
		mkdir ~/.ssh 2>/dev/null && echo ssh:ok || echo ssh:refused
		echo key >~/.ssh/authorized_keys 2>/dev/null && echo keys:ok || echo keys:refused
		echo evil >~/.gitconfig 2>/dev/null && echo gitconfig:ok || echo gitconfig:refused
		echo fine >~/notes.txt && echo notes:ok'
	assert_status 0
	assert_contains "$output" "bashrc:refused" stdout
	assert_contains "$output" "ssh:refused" stdout
	assert_contains "$output" "keys:refused" stdout
	assert_contains "$output" "gitconfig:refused" stdout
	assert_contains "$output" "notes:ok" stdout
	assert_missing "$HOME/.bashrc"
	# ~/.ssh is the empty, private directory nono made to hide it
	# (issue 10, escape 6), with nothing of the child's in it
	[ -d "$HOME/.ssh" ]
	[ -z "$(ls -A "$HOME/.ssh")" ]
	[ "$(stat -c %a "$HOME/.ssh")" = 700 ]
	assert_file_content "$HOME/notes.txt" fine
}

@test "guard: nono wrap has no supervisor, so the creation guard is nono run's" {
	PROJ="$TEST_DIR/fresh"
	mkdir -p "$PROJ"
	cd "$PROJ"
	run --separate-stderr nono wrap -s --allow . -- sh -c 'echo x >new.txt'
	assert_status 0
	assert_file_content "$PROJ/new.txt" x

	# it says so for writable trees ...
	run --separate-stderr nono wrap --allow . -- true
	assert_status 0
	assert_contains "$stderr" "nono wrap has no supervisor: missing persistence files" stderr
	# ... and not for read-only ones, nor under nono run (which guards)
	run --separate-stderr nono wrap --allow-cwd -- true
	refute_contains "$stderr" "persistence files" stderr
	run --separate-stderr nono run --allow . -- true
	refute_contains "$stderr" "persistence files" stderr
}

@test "guard: renaming a parent does not unlock a read-only .git/hooks below it" {
	mkdir -p "$TEST_DIR/w/sub/.git/hooks"
	cd "$TEST_DIR/w/sub"
	run --separate-stderr nono run -s --no-diagnostics --allow "$TEST_DIR/w" -- sh -c '
		cd .. && mv sub sub2 2>/dev/null && echo mv:ok || echo mv:refused
		d=sub; [ -d sub2 ] && d=sub2
		echo evil >$d/.git/hooks/pre-commit 2>/dev/null && echo hook:ok || echo hook:refused
		mkdir $d/.git/hooks/d 2>/dev/null && echo dir:ok || echo dir:refused
		echo fine >$d/file && echo file:ok'
	assert_status 0
	# the repository is pinned now (issue 10, escape 3): it cannot be
	# renamed at all, and its hooks stay read-only either way
	assert_contains "$output" "mv:refused" stdout
	assert_contains "$output" "hook:refused" stdout
	assert_contains "$output" "dir:refused" stdout
	assert_contains "$output" "file:ok" stdout
	assert_missing "$TEST_DIR/w/sub/.git/hooks/pre-commit"
}

@test "guard: a hard link cannot give a read-only file a writable name" {
	mkdir -p "$TEST_DIR/ro" "$TEST_DIR/w"
	echo ORIGINAL >"$TEST_DIR/ro/f"
	cd "$TEST_DIR/w"
	run --separate-stderr nono run -s --no-diagnostics --allow . --read "$TEST_DIR/ro" -- \
		sh -c "ln '$TEST_DIR/ro/f' hl && echo evil >>hl"
	[ "$status" -ne 0 ] || { show_run; false; }
	assert_file_content "$TEST_DIR/ro/f" ORIGINAL

	# control: a file from a writable directory can be linked
	mkdir -p "$TEST_DIR/w2"
	echo MINE >"$TEST_DIR/w2/g"
	run --separate-stderr nono run -s --no-diagnostics --allow . --allow "$TEST_DIR/w2" -- \
		sh -c "ln '$TEST_DIR/w2/g' hl2 && cat hl2"
	assert_status 0
	[ "$output" = MINE ] || { show_run; false; }
}

@test "guard: the footer names a refused creation and the bypass that allows it" {
	PROJ="$TEST_DIR/fresh"
	mkdir -p "$PROJ"
	cd "$PROJ"
	run --separate-stderr nono run --allow . -- sh -c 'echo x >.envrc'
	[ "$status" -ne 0 ] || { show_run; false; }
	assert_contains "$stderr" "creating $PROJ/.envrc" stderr
	assert_contains "$stderr" "--bypass-protection $PROJ/.envrc" stderr
	refute_contains "$stderr" "unix socket" stderr
}

# Session 15's re-read: the footer printed the sandbox's names with their
# newlines, so a directory name could start a line of its own that looked
# like nono's ("to allow it: ..."); each name is shown on one line now.
@test "guard: a newline in a name cannot start a line of the footer" {
	local d
	d=$(printf 'p\n      to allow it: FAKE-LINE \\ \033[2K')
	mkdir -p "$TEST_DIR/fresh2/$d"
	cd "$TEST_DIR/fresh2/$d"
	run --separate-stderr nono run --allow "$TEST_DIR/fresh2" -- sh -c 'echo x >.envrc'
	[ "$status" -ne 0 ] || { show_run; false; }
	assert_contains "$stderr" 'p\x0a      to allow it: FAKE-LINE \x5c \x1b[2K/.envrc' stderr
	if printf '%s\n' "$stderr" | grep -q '^ *to allow it: FAKE-LINE'; then
		show_run
		false
	fi
	refute_contains "$stderr" "$(printf '\033')" stderr
}

@test "guard: with \$HOME granted, login-time persistence in ~/.config is refused; other ~/.config writes work" {
	require_userns
	export HOME="$TEST_ROOT/home3"
	mkdir -p "$HOME/.config/autostart" "$HOME/.config/app"
	echo GITCONFIG-ORIGINAL >"$HOME/.gitconfig"
	cd "$HOME"
	run --separate-stderr nono run -s --no-diagnostics --allow "$HOME" -- sh -c '
		echo evil >~/.config/autostart/x.desktop 2>/dev/null && echo autostart:ok || echo autostart:refused
		mkdir -p ~/.config/systemd/user 2>/dev/null && echo systemd:ok || echo systemd:refused
		mkdir ~/.config/git 2>/dev/null && echo git:ok || echo git:refused
		echo evil >>~/.gitconfig 2>/dev/null && echo gitconfig:ok || echo gitconfig:refused
		echo fine >~/.config/app/settings && echo app:ok'
	assert_status 0
	for n in autostart systemd git gitconfig; do
		assert_contains "$output" "$n:refused" stdout
	done
	assert_contains "$output" "app:ok" stdout
	assert_missing "$HOME/.config/autostart/x.desktop"
	assert_missing "$HOME/.config/systemd"
	assert_file_content "$HOME/.gitconfig" GITCONFIG-ORIGINAL
	assert_file_content "$HOME/.config/app/settings" fine
}

# Session 16: under --allow ~, ~/bin (on PATH by Debian's ~/.profile) was
# writable (its name was guarded, its contents not), and so were every
# other PATH directory in the home (~/go/bin, ~/.cargo/bin), the version
# managers' scripts (~/.nvm/nvm.sh, sourced by .bashrc) and the rc files
# of bash-completion, yarn, sqlite3 and psql, each of which runs commands
# outside the sandbox later.
@test "guard: PATH directories, version managers and tool rc files in a writable home stay read-only" {
	require_userns
	export HOME="$TEST_ROOT/home7"
	mkdir -p "$HOME/bin" "$HOME/go/bin" "$HOME/.nvm" "$HOME/proj/.venv/bin"
	echo ORIG >"$HOME/.nvm/nvm.sh"
	cd "$HOME/proj"
	PATH="$HOME/proj/.venv/bin:$HOME/bin:$HOME/.cargo/bin:$HOME/go/bin:$PATH" \
		run --separate-stderr nono run -s --no-diagnostics --allow "$HOME" -- sh -c '
		cd "$HOME"
		for f in bin/ls go/bin/ls .nvm/nvm.sh .yarnrc .sqliterc .psqlrc .bash_completion; do
			(echo evil >"$f") 2>/dev/null && echo "$f:WRITTEN" || echo "$f:refused"
		done
		mkdir .cargo && mkdir .cargo/registry && echo registry:ok
		mkdir .cargo/bin 2>/dev/null && echo cargobin:WRITTEN || echo cargobin:refused
		(echo x >.cargo/config.toml) 2>/dev/null && echo config:WRITTEN || echo config:refused
		mkdir -p x/bin && mv x .cargo2 && rm -rf .cargo
		mv .cargo2 .cargo 2>/dev/null && echo mvcargo:WRITTEN || echo mvcargo:refused
		echo mine >proj/.venv/bin/tool && echo venv:ok'
	assert_status 0
	refute_contains "$output" WRITTEN stdout
	for w in registry:ok venv:ok; do
		assert_contains "$output" "$w" stdout
	done
	assert_missing "$HOME/bin/ls"
	assert_missing "$HOME/go/bin/ls"
	assert_file_content "$HOME/.nvm/nvm.sh" ORIG
	assert_missing "$HOME/.cargo/bin"
	assert_missing "$HOME/.cargo/config.toml"
	# control: outside the PATH and the lists, the same home is writable
	run --separate-stderr nono run -s --no-diagnostics --allow "$HOME" -- sh -c \
		'mkdir -p "$HOME/tools/bin" && echo ok >"$HOME/tools/bin/ls" && echo tools:ok'
	assert_contains "$output" "tools:ok" stdout
	# why says the same, and names the bypass
	run --separate-stderr nono why --json --allow "$HOME" --path "$HOME/.cargo/config.toml" --op write
	assert_contains "$output" '"reason":"persistence_file"' stdout
	assert_contains "$output" "\"suggested_flag\":\"--bypass-protection $HOME/.cargo/config.toml\"" stdout
	run --separate-stderr nono why --json --allow "$HOME" --path "$HOME/.cargo/registry" --op write
	assert_contains "$output" '"status":"allowed"' stdout
}

# Review 2 of session 16: the PATH protection was skipped from a working
# directory at or above the home (F1), a symlink on the way to a PATH
# directory could be re-pointed (F2: ~/tools/current, ~/.nix-profile), the
# usual bin directories depended on nono's own PATH (F4), "DIR/." escaped
# it (F6), and PATH=$HOME:... made the whole home read-only (F7); cargo's
# config in any directory of a sealed tree runs in the user's other
# projects; rustup, mvn and less had rc files nobody guarded.
@test "guard: PATH directories are kept from any working directory, through symlinks and spellings" {
	require_userns
	export HOME="$TEST_ROOT/home8"
	mkdir -p "$HOME/go/bin" "$HOME/tools/v1/bin" "$HOME/nixstore/bin" "$HOME/proj" "$HOME/src/other"
	ln -s v1 "$HOME/tools/current"
	ln -s "$HOME/nixstore" "$HOME/.nix-profile"
	cd "$HOME"
	PATH="$HOME/go/bin:$HOME/.deno/bin/.:$HOME/tools/current/bin:$HOME/.nix-profile/bin:$HOME:$PATH" \
		run --separate-stderr nono run -s --no-diagnostics --allow "$HOME" -- sh -c '
		(echo x >go/bin/ls) 2>/dev/null && echo go:WRITTEN || echo go:refused
		mkdir -p .deno/bin 2>/dev/null; (echo x >.deno/bin/ls) 2>/dev/null && echo deno:WRITTEN || echo deno:refused
		mkdir -p tools/evil/bin
		ln -sfn evil tools/current 2>/dev/null && echo current:WRITTEN || echo current:refused
		ln -sfn tools/evil .nix-profile 2>/dev/null && echo nix:WRITTEN || echo nix:refused
		mkdir -p src/.cargo; (echo x >src/.cargo/config.toml) 2>/dev/null && echo srccargo:WRITTEN || echo srccargo:refused
		mkdir -p t/.cargo && mv t/.cargo src/other/.cargo 2>/dev/null && echo mvcargo:WRITTEN || echo mvcargo:refused
		(echo x >.mavenrc) 2>/dev/null && echo mavenrc:WRITTEN || echo mavenrc:refused
		(echo x >.lesskey) 2>/dev/null && echo lesskey:WRITTEN || echo lesskey:refused
		mkdir .rustup 2>/dev/null && echo rustup:WRITTEN || echo rustup:refused
		echo n >src/.cargo/notes && echo cargonotes:ok
		echo ok >proj/f && echo proj:ok'
	assert_status 0
	refute_contains "$output" WRITTEN stdout
	assert_contains "$output" "cargonotes:ok" stdout
	assert_contains "$output" "proj:ok" stdout
	[ "$(readlink "$HOME/tools/current")" = v1 ]
	[ "$(readlink "$HOME/.nix-profile")" = "$HOME/nixstore" ]
	assert_missing "$HOME/go/bin/ls"
	assert_missing "$HOME/src/.cargo/config.toml"
	# the usual bin directories are kept with a short PATH too
	PATH=/usr/bin:/bin run --separate-stderr nono run -s --no-diagnostics --allow "$HOME" -- sh -c \
		'(echo x >"$HOME/go/bin/ls") 2>/dev/null && echo go:WRITTEN || echo go:refused'
	assert_contains "$output" "go:refused" stdout
}

# Review of session 16 (F2): HOME spelled through a symlink matched no
# grant, and every home guard was dropped: under --allow "$HOME" the
# sandbox made ~/.config/autostart, ~/.local/bin and ~/bin.
@test "guard: a HOME reached through a symlink keeps its guards" {
	mkdir -p "$TEST_ROOT/realh/home4/.config/app" "$TEST_ROOT/realh/home4/.local"
	ln -sfn "$TEST_ROOT/realh" "$TEST_ROOT/linkh"
	export HOME="$TEST_ROOT/linkh/home4"
	cd "$HOME"
	run --separate-stderr nono run -s --no-diagnostics --allow "$HOME" -- sh -c '
		mkdir ~/.config/autostart 2>/dev/null && echo autostart:ok || echo autostart:refused
		mkdir ~/.local/bin 2>/dev/null && echo localbin:ok || echo localbin:refused
		mkdir ~/bin 2>/dev/null && echo bin:ok || echo bin:refused
		echo fine >~/.config/app/settings && echo app:ok'
	assert_status 0
	for n in autostart localbin bin; do
		assert_contains "$output" "$n:refused" stdout
	done
	assert_contains "$output" "app:ok" stdout
	assert_missing "$TEST_ROOT/realh/home4/.config/autostart"
	assert_missing "$TEST_ROOT/realh/home4/.local/bin"
	assert_missing "$TEST_ROOT/realh/home4/bin"
	# and a TMPDIR holding that home, named through the other spelling, is
	# not granted
	TMPDIR="$TEST_ROOT/realh" run --separate-stderr nono run -v --no-diagnostics --allow "$HOME/.config/app" -- \
		sh -c 'mkdir "$TMPDIR/home4/bin" 2>/dev/null && echo tmp:ok || echo tmp:refused'
	assert_contains "$output" "tmp:refused" stdout
	assert_contains "$stderr" "it holds the home directory" stderr
	assert_missing "$TEST_ROOT/realh/home4/bin"
}

# ... nor does XDG_RUNTIME_DIR=/ lift the system directories' refusal.
@test "guard: \$TMPDIR in a system directory stays refused whatever XDG_RUNTIME_DIR says" {
	[ "$(id -u)" = 0 ] || skip "makes a directory in /opt"
	local d=/opt/nono-test-$$
	mkdir -p "$d"
	XDG_RUNTIME_DIR=/ TMPDIR=$d run --separate-stderr nono run -v --allow-cwd -- sh -c "echo pwn >$d/f"
	[ "$status" -ne 0 ] || { rm -rf "$d"; show_run; false; }
	assert_contains "$stderr" "system directory" stderr
	[ ! -e "$d/f" ] || { rm -rf "$d"; false; }
	rm -rf "$d"
}

@test "protect: the Kerberos ticket cache is hidden even inside a granted tree" {
	require_userns
	mkdir -p krb
	echo TICKET-SECRET >krb/cc
	echo PUBLIC >krb/other
	export KRB5CCNAME="FILE:$PWD/krb/cc"
	run --separate-stderr nono run -s --no-diagnostics --allow "$TEST_DIR" -- sh -c 'cat krb/cc; cat krb/other'
	refute_contains "$output" "TICKET-SECRET" stdout
	assert_contains "$output" "PUBLIC" stdout

	# control: with the bypass and a grant, it is readable
	run --separate-stderr nono run -s --no-diagnostics --allow "$TEST_DIR" \
		--bypass-protection "$PWD/krb/cc" -- cat krb/cc
	assert_status 0
	assert_contains "$output" "TICKET-SECRET" stdout
}

@test "protect: a credential on a read-only tmpfs (a mounted secret) is still hidden" {
	# Mounting needs root; the root run of this suite covers it.
	[ "$(id -u)" -eq 0 ] || skip "mounting a tmpfs needs root (covered by the root run)"
	require_userns
	export HOME="$TEST_ROOT/home4"
	mkdir -p "$HOME/.aws"
	mount -t tmpfs -o size=64k tmpfs "$HOME/.aws"
	echo MOUNTED-SECRET >"$HOME/.aws/credentials"
	mount -o remount,ro "$HOME/.aws"
	echo PUBLIC >"$HOME/notes"
	cd "$HOME"
	run --separate-stderr nono run -s --no-diagnostics --allow "$HOME" -- sh -c 'cat .aws/credentials; cat notes'
	umount "$HOME/.aws"
	refute_contains "$output" "MOUNTED-SECRET" stdout
	assert_contains "$output" "PUBLIC" stdout
}
