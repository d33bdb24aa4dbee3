#!/bin/sh
# make bench: every benchmark in turn (their own tables), then one summary
# of the figures the performance targets name, each beside its target.
# Figures are medians measured in this run; ratios are side by side.
set -u
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() { "$@" 2>&1 | tee -a "$log"; }
run ./tests/bench-ring
run ./tests/bench-queue
run ./tests/bench-daemon
run sh "${srcdir:-.}/tests/bench_syscalls.sh"
run ./tests/bench-noise
run ./tests/bench-mesh
# Instructions per chunk of each mesher workload, exact where the timings
# are noisy (callgrind counts inside bench-mesh's mesh_list only).
if command -v valgrind >/dev/null 2>&1; then
	run echo "callgrind: instructions per chunk (bench-mesh --instr)"
	./tests/bench-mesh --instr | while read -r i name; do
		for kind in s e; do
			n=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
			    --toggle-collect='mesh_list*' ./tests/bench-mesh --instr \
			    "$i" "$kind" 2>"$log.vg")
			ir=$(sed -n 's/.*Collected : *//p' "$log.vg")
			[ "${n:-0}" -gt 0 ] && [ -n "$ir" ] && run awk -v w="$name" \
			    -v k="$kind" -v n="$n" -v ir="$ir" 'BEGIN { printf \
			    "  %-28s %-7s %3d chunks %10.0f instructions/chunk\n",
			    w, k == "s" ? "surface" : "empty", n, ir / n }'
		done
	done
	for kind in c cd; do
		n=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		    --collect-atstart=no ./tests/bench-mesh --instr 0 "$kind" \
		    2>"$log.vg")
		ir=$(sed -n 's/.*Collected : *//p' "$log.vg")
		what="in-band empty after neighbour, up"
		[ "$kind" = cd ] && what="in-band empty after neighbour, down"
		[ "${n:-0}" -gt 0 ] && run awk -v w="$what" -v n="$n" -v ir="$ir" \
		    'BEGIN { printf "  %-36s %3d chunks %10.0f instructions/chunk\n",
		    w, n, ir / n }'
	done
	rm -f "$log.vg"
fi
run ./tests/bench-edits
# Instructions per edited chunk, exact where the timings above are noisy
# (callgrind counts only inside mp_mesh_local_edited; valgrind optional).
if command -v valgrind >/dev/null 2>&1; then
	run echo "callgrind: instructions of one mp_mesh_local_edited call" \
	    "(bench-edits --once N)"
	base=
	for n in 0 10 100 1000; do
		ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		    --toggle-collect=mp_mesh_local_edited ./tests/bench-edits --once "$n" \
		    2>&1 | sed -n 's/.*Collected : *//p')
		[ -n "$ir" ] || { run echo "  $n brushes: callgrind failed"; continue; }
		base=${base:-$ir}
		run awk -v n="$n" -v ir="$ir" -v base="$base" 'BEGIN {
		    printf "  %4d brushes %12d instructions  %6.2fx\n", n, ir, ir / base }'
	done
fi
printf '\nsummary (%s, %s CPUs, %s)\n' "$(uname -m)" "$(nproc)" \
    "$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
awk '
function row(what, got, target, ok) {
	printf "  %-46s %14s  %-12s %s\n", what, got, target, ok ? "met" : "NOT met"
}
/^heightmap LOD0 cy 1..2/ { split(substr($0, 29), f); out_empty = f[6] }
/^heightmap LOD0  /       { split(substr($0, 29), f); lod0 = f[2]; in_empty = f[6] }
/^heightmap LOD0 in-band empty after/ { sub(/.*neighbour: /, ""); in_after = $1 + 0 }
/^ *meshpoold, 2 workers/ && !two {
	two = 1; match($0, /[0-9.]+x in-process/); vs = substr($0, RSTART, RLENGTH - 12)
}
/^ *in-process, 2 threads/ { match($0, /\([0-9.]+x/); ceil = substr($0, RSTART + 1, RLENGTH - 2) }
/baseline: socketpairs, 2/ { match($0, /meshpoold [0-9.]+x/); base = substr($0, RSTART + 10, RLENGTH - 11) }
/host polling:/  { poll50 = $(NF - 5) }
/worker parked, host in mp_wait:/ { park50 = $(NF - 5) }
/^ *mp_submit / { sub_ns = $2 }
/^ *mp_poll /   { poll_ns = $2 }
/syscalls inside .* mp_submit:/ { sub_sys = $7 }
/syscalls inside .* mp_poll:/   { poll_sys = $7 }
/^ *idle 10 s/ { idle = $(NF - 5) + $(NF - 2) }
/^ *1,000 small brushes:/ { brush_x = $4 + 0 }
/^  heightmap LOD0 +surface/ { ir_lod0 = $(NF - 1) }
/^  heightmap LOD1 \+6 trans +surface/ { ir_six = $(NF - 1) }
/^  volume LOD0.*surface/ { ir_vol = $(NF - 1) }
/^  in-band empty after neighbour, down/ { ir_empty = $(NF - 1) }
/^ *brush to its group out of mp_poll:/ {
	match($0, /p50 [0-9.]+/); lat50 = substr($0, RSTART + 4, RLENGTH - 4) + 0
	match($0, /p99 [0-9.]+/); lat99 = substr($0, RSTART + 4, RLENGTH - 4) + 0
}
END {
	row("LOD 0 surface chunk, one core (us)", lod0, "<= 150", lod0 <= 150)
	row("empty chunk outside the band (us)", out_empty, "<= 1", out_empty <= 1)
	row("in-band empty chunk, first in its column (us)", in_empty, "<= 1",
	    in_empty <= 1)
	row("in-band empty chunk after its neighbour (us)", in_after, "<= 1",
	    in_after <= 1)
	row("2 workers vs 1 in-process thread", vs "x", ">= 1.8x", vs >= 1.8)
	printf "  %-46s %14s\n", "  (2 in-process threads on this machine)", ceil "x"
	if (ceil > 0)
		row("2 workers vs 2 in-process threads", sprintf("%.2fx", vs / ceil),
		    ">= 0.95x", vs / ceil >= 0.95)
	row("2 workers vs socketpair baseline", base "x", "> 1x", base > 1)
	row("empty round trip p50, polling (us)", poll50, "<= 15", poll50 <= 15)
	row("empty round trip p50, worker asleep (us)", park50, "<= 60", park50 <= 60)
	row("mp_poll per result (ns)", poll_ns, "<= 100", poll_ns <= 100)
	row("mp_poll syscalls in 102,400", poll_sys, "0", poll_sys == 0)
	row("mp_submit per request (ns)", sub_ns, "<= 100", sub_ns <= 100)
	# A parked worker can only be woken by a system call; mp_submit makes
	# no other, and wakes a parked worker only if nobody has yet.
	printf "  %-46s %14s  %s\n", "mp_submit futex calls in 102,400",
	    sub_sys, "(only to wake parked workers; see README)"
	row("idle 10 s: CPU ticks + context switches", idle, "0", idle == 0)
	row("1,000 small brushes vs unedited chunk", brush_x "x", "< 10x", brush_x < 10)
	row("dig to its group polled, p50 (ms)", lat50, "< 3", lat50 < 3)
	row("dig to its group polled, p99 (ms)", lat99, "< 16.7", lat99 < 16.7)
	if (ir_lod0) {
		row("LOD 0 surface chunk (k instructions)", int(ir_lod0 / 1000),
		    "<= 450", ir_lod0 <= 450000)
		row("LOD 1, six transition faces (k instr.)", int(ir_six / 1000),
		    "<= 1,600", ir_six <= 1600000)
		row("in-band empty after its neighbour (k instr.)",
		    int(ir_empty / 1000), "<= 20", ir_empty <= 20000)
		row("VOLUME chunk (k instructions)", int(ir_vol / 1000),
		    "<= 6,000", ir_vol <= 6000000)
	}
}' "$log"
# The viewer's frame times, when it was built (GLFW, epoxy and libpng).
if [ -x ./meshpool-view ]; then
	sh "${srcdir:-.}/tests/bench_view.sh"
fi
