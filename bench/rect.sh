#!/usr/bin/env bash
# Rectangular inference's figures, side by side in one run, on a 1280x720 H.264 clip with yolov7-tiny at
# --imgsz 320:
#   1. end-to-end lossless throughput of the daemon with --rect (input 320x192) vs --no-rect (320x320);
#   2. rectangular end to end vs the bare model forward rate at 320x192.
# Rounds alternate the order of the runs. Prints a table and one JSON object at the end.
#
# Usage: bench/rect.sh [--rounds R] [--threads T]
set -euo pipefail

rounds=5
threads=2
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_parse "rounds threads" "$@"

bench_setup
work=.build/bench/rect
mkdir -p "$work"
weights="$fixtures/yolov7-tiny-nc3.pt"
clip="$work/720p.mp4"
[[ -f "$clip" ]] || ffmpeg -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=25 -t 12 \
    -c:v libx264 -pix_fmt yuv420p "$clip"

"$python" - "$detectd" "$clip" "$weights" "$rounds" "$threads" <<'PYTHON'
import json, statistics, subprocess, sys, time

detectd, clip, weights, rounds, threads = sys.argv[1:6]
rounds = int(rounds)

def run_json(arguments):
    output = subprocess.run(arguments, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in output.splitlines() if line.strip()]

def seconds(stamp):
    return time.mktime(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) + float(stamp[19:-1])

def end_to_end(extra):
    lines = run_json([detectd, "--weights", weights, "--imgsz", "320", "--threads", threads,
                      "--stats-interval", "0", *extra, f"clip={clip}"])
    # The first second builds the oneDNN plan: a warm-up, not throughput.
    frames = [l for l in lines if l["type"] == "detections"][25:]
    return (len(frames) - 1) / (seconds(frames[-1]["time"]) - seconds(frames[0]["time"]))

def forward(height):
    bench = run_json([detectd, "bench", "--weights", weights, "--imgsz", "320", "--height", str(height),
                      "--threads", threads, "--iterations", "40", "--json"])[0]
    return 1000 / bench["forward_ms"]["median"]

runs = {"rect": [], "square": [], "forward_320x192": []}
for round_index in range(rounds):
    order = ["rect", "square", "forward_320x192"]
    if round_index % 2:
        order.reverse()
    for what in order:
        if what == "rect":
            runs[what].append(end_to_end([]))
        elif what == "square":
            runs[what].append(end_to_end(["--no-rect"]))
        else:
            runs[what].append(forward(192))
median = {key: round(statistics.median(values), 2) for key, values in runs.items()}
summary = {
    "rect_fps": median["rect"], "square_fps": median["square"], "forward_320x192_fps": median["forward_320x192"],
    "rect_vs_square": round(median["rect"] / median["square"], 3),
    "rect_vs_forward": round(median["rect"] / median["forward_320x192"], 3),
    "rounds": rounds,
}
print(f"1280x720 H.264 at --imgsz 320, lossless, {rounds} rounds (medians):")
print(f"  --rect (320x192)     {summary['rect_fps']:8.2f} fps")
print(f"  --no-rect (320x320)  {summary['square_fps']:8.2f} fps   rect / square = {summary['rect_vs_square']}")
print(f"  bare forward 320x192 {summary['forward_320x192_fps']:8.2f} fps   rect e2e / forward = {summary['rect_vs_forward']}")
print(json.dumps(summary))
PYTHON
