#!/bin/sh
# Build the libFuzzer targets with clang and run each for $1 seconds
# (default 30) on its committed corpus: request validation + mesher
# (with brushes), the control-socket line parsers, the configuration file
# parser.  A crash leaves a crash-* file and fails; add it to the corpus
# as a regression once fixed.
set -eu
secs=${1:-30}
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_OUT:-$top/fuzz-build}
mkdir -p "$out"
cc="clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
    -ffp-contract=off -D_GNU_SOURCE -I$top/shared -I$top/client -I$top/daemon"
$cc "$top/tests/fuzz/fuzz_request.c" "$top"/shared/[a-z]*.c \
    "$top/client/local.c" "$top/client/edits.c" -lz -lm -o "$out/fuzz_request"
$cc "$top/tests/fuzz/fuzz_proto.c" "$top/shared/proto.c" -o "$out/fuzz_proto"
$cc "$top/tests/fuzz/fuzz_config.c" "$top/daemon/settings.c" "$top/daemon/settings_table.c" \
    $(pkg-config --cflags --libs inih) -o "$out/fuzz_config"
run() {         # target max_len; a finding fails the script
	work=$(mktemp -d)
	cp "$top"/tests/fuzz/corpus_$1/* "$work"/ 2>/dev/null || true
	st=0
	(cd "$out" && "$out/fuzz_$1" -max_total_time="$secs" -max_len="$2" \
	    "$work" > "$out/fuzz_$1.log" 2>&1) || st=$?
	grep -E '^Done|^==[0-9]+==ERROR|SUMMARY' "$out/fuzz_$1.log" || true
	rm -rf "$work"
	if [ "$st" -ne 0 ]; then
		echo "fuzz_$1: finding (exit $st); see $out/fuzz_$1.log"
		tail -30 "$out/fuzz_$1.log"
		exit 1
	fi
}
run request 352          # a request and up to 8 brushes
run proto 600
run config 2048
