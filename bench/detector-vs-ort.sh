#!/usr/bin/env bash
# YOLOv7 forward latency, detectd against ONNX Runtime on identical weights, side by side in one run.
#
# yolov7-tiny (../shared/yolov7/yolov7-tiny-nc3.pt and its ONNX export) at 320 and 640, batch 1: rounds alternate
# detectd and ONNX Runtime (and swap order every round) so machine noise hits both alike. Then yolov7 (full) at
# 320 with random weights made by `detectd create-model`, detectd only (there is no ONNX export of it here).
# Prints per size the median over rounds of each engine's median latency, the ratio detectd/ORT, peak memory,
# and one JSON object.
#
# Usage: bench/detector-vs-ort.sh [--rounds R] [--iterations K] [--threads N]
set -euo pipefail

rounds=5
iterations=30
threads=2
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_parse "rounds iterations threads" "$@"

bench_setup
"$python" -c "import onnxruntime" 2>/dev/null || "$python" -m pip install --quiet -r requirements-test.txt >&2
work=.build/bench
mkdir -p "$work"
results="$work/detector-vs-ort.jsonl"
: > "$results"

weights="$fixtures/yolov7-tiny-nc3.pt"
onnx="$fixtures/yolov7-tiny-nc3.onnx"
full="$work/yolov7-random.safetensors"
"$detectd" create-model --arch yolov7 --names "$(seq -s, -f 'c%g' 0 79)" --seed 0 "$full" >&2

run_detectd() {
    "$detectd" bench --weights "$1" --imgsz "$2" --threads "$threads" --iterations "$iterations" --json
}
run_ort() {
    "$python" bench/ort_forward.py "$onnx" "$1" "$threads" "$iterations"
}

for round in $(seq 1 "$rounds"); do
    for size in 320 640; do
        if (( round % 2 )); then
            echo "{\"engine\":\"detectd\",\"round\":$round,\"result\":$(run_detectd "$weights" "$size")}" >> "$results"
            echo "{\"engine\":\"ort\",\"round\":$round,\"result\":$(run_ort "$size")}" >> "$results"
        else
            echo "{\"engine\":\"ort\",\"round\":$round,\"result\":$(run_ort "$size")}" >> "$results"
            echo "{\"engine\":\"detectd\",\"round\":$round,\"result\":$(run_detectd "$weights" "$size")}" >> "$results"
        fi
    done
    echo "{\"engine\":\"detectd-yolov7\",\"round\":$round,\"result\":$(run_detectd "$full" 320)}" >> "$results"
    echo "round $round of $rounds done" >&2
done

"$python" - "$results" <<'PYTHON'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
def medians(engine, size):
    picked = [r["result"] for r in rows if r["engine"] == engine and r["result"]["imgsz"] == size]
    return (statistics.median(p["forward_ms"]["median"] for p in picked),
            min(p["forward_ms"]["min"] for p in picked), max(p["peak_rss_mb"] for p in picked))
summary = {}
print(f"{'model':<14}{'size':>6}{'detectd ms':>12}{'ORT ms':>10}{'ratio':>8}{'min ratio':>11}{'detectd MB':>12}{'ORT MB':>8}")
for size in (320, 640):
    d, dmin, dmem = medians("detectd", size)
    o, omin, omem = medians("ort", size)
    summary[f"tiny_{size}"] = {"detectd_ms": round(d, 3), "ort_ms": round(o, 3), "ratio": round(d / o, 3),
                               "min_ratio": round(dmin / omin, 3), "detectd_peak_mb": round(dmem, 1),
                               "ort_peak_mb": round(omem, 1)}
    print(f"{'yolov7-tiny':<14}{size:>6}{d:>12.2f}{o:>10.2f}{d / o:>8.3f}{dmin / omin:>11.3f}{dmem:>12.1f}{omem:>8.1f}")
f, fmin, fmem = medians("detectd-yolov7", 320)
summary["yolov7_320"] = {"detectd_ms": round(f, 3), "detectd_peak_mb": round(fmem, 1)}
print(f"{'yolov7':<14}{320:>6}{f:>12.2f}{'-':>10}{'-':>8}{'-':>11}{fmem:>12.1f}{'-':>8}")
print(json.dumps(summary))
PYTHON
