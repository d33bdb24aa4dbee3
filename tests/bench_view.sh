#!/bin/sh
# make bench (through tests/bench.sh, when meshpool-view was built): frame
# times of the viewer flying the same camera path twice, its chunks meshed
# by a private meshpoold with 2 workers and then in-process on the frame
# thread (--local); then twice more digging and building as it flies, with
# how long each edit took from the tool to the screen.  Frame times include
# drawing: under Xvfb that is Mesa's software renderer, on the same two
# cores as the mesher.
set -u
frames=${VIEW_FRAMES:-900}
speed=${VIEW_SPEED:-4}          # fast enough that the rings always move
size=${VIEW_SIZE:-640x360}
dig=${VIEW_DIG_EVERY:-10}       # frames between digs
build=${VIEW_BUILD_EVERY:-25}   # frames between builds
w=${size%x*}
h=${size#*x}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

if [ -n "${DISPLAY:-}" ]; then
	wrap=""
elif command -v xvfb-run >/dev/null 2>&1; then
	wrap="xvfb-run -a -s \"-screen 0 ${w}x${h}x24\""
else
	echo "bench_view: no display and no xvfb-run: skipped"
	exit 0
fi
renderer=$(eval "$wrap glxinfo -B" 2>/dev/null |
    sed -n 's/^OpenGL renderer string: //p')

view() {
	eval "MESHPOOLD=\"\$PWD/meshpoold\" $wrap ./meshpool-view --frames $frames \
	    --size $size --speed $speed --vsync 0 $*" >"$out" 2>&1 || { cat "$out"; exit 1; }
	grep '^meshpool-view: mode=' "$out"
}
daemon=$(view --workers 2)
local=$(view --local)
tools="--dig-every $dig --build-every $build"
daemon_dig=$(view --workers 2 $tools)
local_dig=$(view --local $tools)

printf '\nmeshpool-view: %s frames of one flight at %sx speed, %s, %s uploads a frame at most,\n%s\n' \
    "$frames" "$speed" "$size" 16 "${renderer:-unknown renderer}"
printf '  %-22s %9s %9s %9s %11s %11s %9s\n' "chunks meshed by" "frame p50" \
    "frame p99" "frame max" "mesher p50" "mesher p99" "complete"
# The value of key=... in a summary line ($2 of "label|line").
fields='
function v(key,   i, n, kv) {
	n = split($2, kv, " ")
	for (i = 1; i <= n; i++)
		if (index(kv[i], key "=") == 1)
			return substr(kv[i], length(key) + 2)
	return "?"
}'
printf '%s\n%s\n' "meshpoold, 2 workers|$daemon" "in-process (--local)|$local" |
awk -F'|' "$fields"'
{
	printf "  %-22s %6s ms %6s ms %6s ms %8s ms %8s ms %7s s\n", $1,
	    v("frame_ms_p50"), v("frame_ms_p99"), v("frame_ms_max"),
	    v("stream_ms_p50"), v("stream_ms_p99"), v("complete_s")
}'
echo "  (mesher: the part of each frame spent choosing, asking, meshing with"
echo "  --local, and uploading; the rest is drawing and the buffer swap)"

printf '\nThe same flight digging every %s frames and building every %s:\n' \
    "$dig" "$build"
printf '  %-22s %9s %9s %9s %9s %9s %6s %6s %5s\n' "chunks meshed by" \
    "frame p50" "frame p99" "dig p50" "dig p99" "dig max" "edits" "groups" \
    "split"
printf '%s\n%s\n' "meshpoold, 2 workers|$daemon_dig" \
    "in-process (--local)|$local_dig" |
awk -F'|' "$fields"'
{
	printf "  %-22s %6s ms %6s ms %6s ms %6s ms %6s ms %6d %6s %5s\n", $1,
	    v("frame_ms_p50"), v("frame_ms_p99"), v("dig_ms_p50"),
	    v("dig_ms_p99"), v("dig_ms_max"), v("digs") + v("builds"),
	    v("groups_swapped"), v("groups_split")
}'
echo "  (dig: from the tool's edit to the end of the buffer swap of the frame"
echo "  that shows all of its chunks re-meshed, swapped in together)"
