#!/bin/sh
# System calls the host makes inside mp_submit and mp_poll loops: run
# tests/bench-api under strace against a private instance and count the
# calls between its getppid() markers (submit loops, then poll loops).
# Also: what an idle instance does over 10 s (CPU ticks, context switches
# of the supervisor and its workers).  Part of "make bench".
set -u
name=bench-sys-$$
./meshpoold -f -n "$name" -w 2 -c /dev/null 2>/dev/null &
dpid=$!
i=0
until ./meshpoolctl -n "$name" status >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -gt 200 ] && { echo "no daemon"; exit 1; }; sleep 0.05
done
./tests/bench-api "$name"
if command -v strace >/dev/null 2>&1; then
	log=$(mktemp)
	strace -qq -o "$log" ./tests/bench-api "$name" >/dev/null
	awk '
	/getppid\(/ { m++; next }
	m % 4 == 1 { sub_calls[$1]++; s++ }
	m % 4 == 3 { poll_calls[$1]++; p++ }
	END {
		printf "  syscalls inside 200 x 512 mp_submit: %d", s
		for (c in sub_calls) printf " (%s)", c
		printf "\n  syscalls inside 200 x 512 mp_poll:   %d\n", p
	}' "$log"
	rm -f "$log"
else
	echo "  (strace not installed: syscall counts skipped)"
fi
# Idle: nothing submitted for 10 s.
pids="$dpid $(pgrep -P $dpid | tr '\n' ' ')"
sample() {
	for p in $pids; do
		awk '{ printf "%d ", $14 + $15 }' /proc/$p/stat
		awk '/ctxt_switches/ { s += $2 } END { printf "%d\n", s }' /proc/$p/status
	done | awk '{ t += $1; c += $2 } END { print t, c }'
}
before=$(sample)
sleep 10
after=$(sample)
echo "$before $after" | awk '{ printf "  idle 10 s, supervisor + 2 workers: %d CPU ticks, %d context switches\n", $3 - $1, $4 - $2 }'
kill -TERM $dpid
wait $dpid
