#!/bin/sh
# Writes the man page of nono COMMAND (or of nono itself when COMMAND is
# "nono") to OUT from the program's own --help: one source for both, so
# that a flag documented in --help is in the manual too.
#   gen_man.sh NONO COMMAND VERSION OUT
set -eu
nono=$1 cmd=$2 version=$3 out=$4
if [ "$cmd" = nono ]; then
	help=$("$nono" --help)
	name=nono
	what="a kernel-enforced capability sandbox for AI agents and untrusted commands"
else
	help=$("$nono" "$cmd" --help)
	name="nono-$cmd"
	what=$("$nono" --help | sed -n "s/^  $cmd  *//p" | head -n1)
	[ -n "$what" ] || what="nono $cmd"
fi
# roff: a backslash is \e, a leading dot or quote is escaped with \&.
esc() { sed -e 's/\\/\\e/g' -e 's/^\([.'"'"']\)/\\\&\1/'; }
{
	printf '.TH %s 1 "" "nono %s" "User Commands"\n' \
		"$(echo "$name" | tr '[:lower:]' '[:upper:]')" "$version"
	printf '.SH NAME\n%s \\- %s\n' "$name" "$what" 
	printf '.SH SYNOPSIS\n.nf\n'
	printf '%s\n' "$help" | sed -n 's/^Usage: //p; s/^       nono /nono /p' | esc
	printf '.fi\n.SH DESCRIPTION\n.nf\n'
	printf '%s\n' "$help" | sed '/^Usage: /d; /^       nono /d' | esc
	printf '.fi\n.SH SEE ALSO\n'
	if [ "$cmd" = nono ]; then
		printf 'nono-run(1), nono-wrap(1), nono-shell(1), nono-why(1), nono-setup(1), nono-profile(1), nono-completions(1), nono-ps(1), nono-attach(1), nono-detach(1), nono-stop(1), nono-logs(1), nono-inspect(1), nono-prune(1), nono-audit(1), nono-rollback(1), nono-trust(1), nono-learn(1)\n'
	else
		printf 'nono(1)\n'
	fi
} >"$out"
