#!/bin/sh
# test_reconfigure.sh - configure again with another prefix, make, and
# meshpoolctl runs the new prefix's meshpoold (not the one the first
# configure named).  TAP output.  Needs the build tree's "make distdir".
set -u
top=$(pwd)
tmp=$(mktemp -d /tmp/mp-reconf-XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
echo "1..2"
built() {
	# The meshpoold path compiled into meshpoolctl.
	grep -a -o "$1/sbin" "$tmp/src/meshpoolctl" | head -n 1
}
if ! make -s -C "$top" distdir distdir="$tmp/src" >"$tmp/log" 2>&1; then
	echo "not ok 1 - make distdir"; cat "$tmp/log" | sed 's/^/# /'
	echo "not ok 2 - # SKIP"
	exit 0
fi
cd "$tmp/src" || exit 1
step() {
	./configure -q --prefix="$1" >"$tmp/log" 2>&1 &&
	    make -s -j2 >>"$tmp/log" 2>&1
}
if step "$tmp/first" && [ "$(built "$tmp/first")" = "$tmp/first/sbin" ]; then
	echo "ok 1 - first configure: meshpoolctl runs $tmp/first/sbin/meshpoold"
else
	echo "not ok 1 - first configure"; sed 's/^/# /' "$tmp/log"
fi
if step "$tmp/second" && [ "$(built "$tmp/second")" = "$tmp/second/sbin" ] &&
    [ -z "$(built "$tmp/first")" ]; then
	echo "ok 2 - configure again, make: meshpoolctl runs $tmp/second/sbin/meshpoold"
else
	echo "not ok 2 - configure again: meshpoolctl still has $(built "$tmp/first")"
	sed 's/^/# /' "$tmp/log"
fi
