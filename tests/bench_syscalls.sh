#!/bin/sh
# System calls the host makes inside mp_submit and mp_poll loops: run
# tests/bench-api against a private instance, record its system calls and
# count those between its getppid() markers (submit loops, poll loops).
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
# Count with perf's syscall tracepoint when it works (no ptrace stops, so
# the host runs at full speed and the workers park as they would), else
# with strace (which slows the host enough that workers park between its
# submits and need waking far more often).
count() {
	# getppid (110) is a marker: its argument says which (1 submit
	# begins, 2 ends, 3 poll begins, 4 ends); strace shows none, so
	# there they go in turn.
	awk -v how="$1" '
	$1 == 110 { at = $2 != "" ? $2 + 0 : m % 4 + 1; m++; next }
	at == 1 { sub_calls[$1]++; s++ }
	at == 3 { poll_calls[$1]++; p++ }
	END {
		printf "  syscalls inside 200 x 512 mp_submit: %d", s
		for (c in sub_calls) printf " (%d x %s)", sub_calls[c],
		    c == 202 ? "futex" : "nr " c
		printf "  [%s]\n  syscalls inside 200 x 512 mp_poll:   %d\n", how, p
		if (m != 800)
			printf "  (%d of 800 markers recorded: events were lost)\n", m
	}'
}
log=$(mktemp)
if perf record -q -e raw_syscalls:sys_enter -c 1 -o "$log" \
    ./tests/bench-api "$name" >/dev/null 2>&1 &&
    perf script -i "$log" -F trace 2>/dev/null |
    awk '{ a = $3; gsub(/[(,]/, "", a); print $2, ($2 == 110 ? a : "") }' \
    >"$log.nr" && [ -s "$log.nr" ]; then
	count perf <"$log.nr"
elif command -v strace >/dev/null 2>&1 &&
    strace -qq -o "$log" ./tests/bench-api "$name" >/dev/null; then
	sed -e 's/^getppid(.*/110/' -e 's/^futex(.*/202/' "$log" | count strace
else
	echo "  (neither perf nor strace works here: syscall counts skipped)"
fi
rm -f "$log" "$log.nr"
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
