#!/usr/bin/env bash
# Runs each fuzzer for SECONDS (default 60) on a corpus seeded from real files, then prints the
# executions per second and what was found. Exits non-zero if any input crashed a fuzzer; the input
# is kept under .cache/fuzz/<fuzzer>/ (add it to Fuzz/regressions once fixed).
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
bin=Fuzz/.build/release
work=.cache/fuzz
mkdir -p "$work"

# Seeds: the shipped weights; tiny pictures and clips in the formats users bring.
seed() {  # fuzzer, then the ffmpeg output names to make from a test pattern
    local dir="$work/$1/seeds"; shift
    mkdir -p "$dir"
    for name in "$@"; do
        [ -f "$dir/$name" ] && continue
        case "$name" in
            still.*) ffmpeg -v error -nostdin -y -f lavfi -i testsrc2=size=16x12 -frames:v 1 "$dir/$name" ;;
            *) ffmpeg -v error -nostdin -y -f lavfi -i testsrc2=size=32x24:rate=5:duration=0.4 "$dir/$name" ;;
        esac
    done
}
mkdir -p "$work/FuzzSafetensors/seeds"
cp Weights/*.safetensors "$work/FuzzSafetensors/seeds/"
seed FuzzStillImage still.png still.jpg still.webp still.bmp still.tiff still.gif
seed FuzzDemux clip.mp4 clip.mkv clip.y4m clip.nut clip.avi clip.ts clip.webm
cp Fuzz/regressions/* "$work/FuzzStillImage/seeds/"
cp Fuzz/regressions/* "$work/FuzzDemux/seeds/"

status=0
printf '%-16s %8s %10s %8s  %s\n' fuzzer seconds execs exec/s found
for fuzzer in FuzzSafetensors FuzzStillImage FuzzDemux; do
    dir="$work/$fuzzer"
    mkdir -p "$dir/corpus"
    # libFuzzer, not the Swift runtime, reports crashes (and writes the input that caused them).
    SWIFT_BACKTRACE=enable=no "$bin/$fuzzer" "$dir/corpus" "$dir/seeds" -max_total_time="$seconds" \
        -artifact_prefix="$dir/" -print_final_stats=1 > "$dir/log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
    found=$(ls "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* 2>/dev/null | wc -l)
    printf '%-16s %8s %10s %8s  %s\n' "$fuzzer" "$seconds" "${runs:-?}" "$(( ${runs:-0} / seconds ))" \
        "$( [ "$rc" = 0 ] && echo nothing || echo "$found input(s), see $dir/log")"
    [ "$rc" = 0 ] || status=1
done
exit $status
