#!/bin/sh
# test_man.sh - every manual page in man/ formats without a single groff
# warning, and every .Xr reference in it names a page of man/ or one of a
# short list of well-known system pages.  A page that only holds
# ".so man3/page.3" is formatted through that link, so the link must
# resolve too.  TAP: one test per page, the problems as "# " lines.
srcdir=${srcdir:-$(dirname "$0")/..}
man=$(cd "$srcdir/man" && pwd) || { echo "Bail out! no man/ folder"; exit 1; }

# System pages the manual may point at: name and section.
KNOWN="
futex_waitv 2
fcntl 2
flock 2
open 2
rename 2
fsync 2
mmap 2
syslog 3
errno 3
ps 1
jq 1
newgrp 1
usermod 8
systemctl 1
systemd.unit 5
systemd.service 5
systemd.exec 5
"

if ! command -v groff >/dev/null 2>&1; then
	echo "1..0 # SKIP groff is not installed"
	exit 0
fi

# ".so man3/x.3" is relative to the root of a manual tree: make one whose
# section folders are man/ itself.
tree=$(mktemp -d "${TMPDIR:-/tmp}/test_man.XXXXXX") || exit 1
trap 'rm -rf "$tree"' EXIT
trap 'exit 1' INT TERM
for s in 1 2 3 4 5 6 7 8; do
	ln -s "$man" "$tree/man$s"
done

set --
for f in "$man"/*.[0-9]; do
	[ -f "$f" ] && set -- "$@" "${f##*/}"
done
echo "1..$#"

n=0 failed=0
for page in "$@"; do
	n=$((n + 1))
	sec=${page##*.}
	problems=$(cd "$tree" && LC_ALL=C groff -mandoc -ww -z -Tutf8 \
	    "man$sec/$page" 2>&1)
	refs=$(awk '/^\./ {
		sub(/^\./, "")
		for (i = 1; i + 2 <= NF; i++)
			if ($i == "Xr")
				print $(i + 1), $(i + 2)
	}' "$man/$page" | sort -u)
	bad=$(echo "$refs" | while read -r name rsec; do
		[ -n "$name" ] || continue
		[ -f "$man/$name.$rsec" ] && continue
		echo "$KNOWN" | grep -qx "$name $rsec" && continue
		echo ".Xr $name $rsec: no such page in man/ and not a known system page"
	done)
	problems=$(printf '%s\n%s' "$problems" "$bad" | sed '/^$/d')
	if [ -z "$problems" ]; then
		echo "ok $n - man/$page"
	else
		echo "not ok $n - man/$page"
		echo "$problems" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ]
