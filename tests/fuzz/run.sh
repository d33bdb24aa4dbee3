#!/bin/sh
# Build the libFuzzer targets with clang and run each for $1 seconds
# (default 30) on its committed corpus.  A crash leaves a crash-* file and
# fails; add it to the corpus as a regression once fixed.
set -eu
secs=${1:-30}
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_OUT:-$top/fuzz-build}
mkdir -p "$out"
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -ffp-contract=off -I"$top/shared" -I"$top/client" \
    "$top/tests/fuzz/fuzz_request.c" "$top"/shared/[a-z]*.c "$top/client/local.c" \
    -lm -o "$out/fuzz_request"
work=$(mktemp -d)
cp "$top"/tests/fuzz/corpus_request/* "$work"/ 2>/dev/null || true
cd "$out"
"$out/fuzz_request" -max_total_time="$secs" -max_len=64 "$work"
rm -rf "$work"
