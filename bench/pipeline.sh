#!/usr/bin/env bash
# The real-time path's figures, each measured side by side with its peer in one run:
#   1. decode-only throughput of detectd's FFmpeg ingest vs `ffmpeg -i FILE -f null -` on a 1080p H.264 file;
#   2. end-to-end lossless file throughput of the daemon vs the bare model forward rate at the same input size;
#   3. a live 25 fps 640x480 RTSP stream (GStreamer's server on loopback) at --imgsz 320: frames dropped and
#      latency p50/p99.
# Prints a table per part and one JSON object at the end.
#
# Usage: bench/pipeline.sh [--rounds R] [--live-seconds S] [--threads T]
set -euo pipefail

rounds=5
live_seconds=30
threads=2
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_parse "rounds live-seconds threads" "$@"

bench_setup
work=.build/bench/pipeline
mkdir -p "$work"
weights="$fixtures/yolov7-tiny-nc3.pt"

[[ -f "$work/1080p.mp4" ]] || ffmpeg -loglevel error -y -f lavfi -i testsrc2=size=1920x1080:rate=25 -t 12 \
    -c:v libx264 -pix_fmt yuv420p "$work/1080p.mp4"
[[ -f "$work/480p.mp4" ]] || ffmpeg -loglevel error -y -f lavfi -i testsrc2=size=640x480:rate=25 -t 12 \
    -c:v libx264 -pix_fmt yuv420p "$work/480p.mp4"

"$python" - "$detectd" "$work" "$weights" "$rounds" "$live_seconds" "$threads" <<'PYTHON'
import json, os, signal, socket, statistics, subprocess, sys, time

detectd, work, weights, rounds, live_seconds, threads = sys.argv[1:7]
rounds, live_seconds = int(rounds), float(live_seconds)
summary = {}

def run_json(arguments):
    output = subprocess.run(arguments, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in output.splitlines() if line.strip()]

# 1. Decode only.
clip = f"{work}/1080p.mp4"
ours, theirs = [], []
for round_index in range(rounds):
    order = ["ours", "ffmpeg"] if round_index % 2 == 0 else ["ffmpeg", "ours"]
    for who in order:
        if who == "ours":
            ours.append(run_json([detectd, "bench-ingest", clip, "--threads", threads, "--json"])[0]["fps"])
        else:
            start = time.perf_counter()
            subprocess.run(["ffmpeg", "-loglevel", "error", "-threads", threads, "-i", clip, "-f", "null", "-"],
                           check=True)
            theirs.append(300 / (time.perf_counter() - start))
decode = {"detectd_fps": round(statistics.median(ours), 1), "ffmpeg_fps": round(statistics.median(theirs), 1)}
decode["ratio"] = round(decode["detectd_fps"] / decode["ffmpeg_fps"], 3)
summary["decode_1080p"] = decode
print(f"decode 1080p H.264: detectd {decode['detectd_fps']} fps, ffmpeg -f null {decode['ffmpeg_fps']} fps, "
      f"ratio {decode['ratio']}")

# 2. End to end, lossless, against the bare forward at the same input size (640x480 at 320 -> 320x256).
e2e, bare = [], []
for round_index in range(rounds):
    lines = run_json([detectd, "--weights", weights, "--imgsz", "320", "--threads", threads,
                      "--stats-interval", "0", f"clip={work}/480p.mp4"])
    # Skip the first second of frames: the first forward builds the oneDNN plan (a warm-up, not throughput).
    frames = [l for l in lines if l["type"] == "detections"][25:]
    def seconds(stamp):
        return time.mktime(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) + float(stamp[19:-1])
    span = seconds(frames[-1]["time"]) - seconds(frames[0]["time"])
    e2e.append((len(frames) - 1) / span)
    bench = run_json([detectd, "bench", "--weights", weights, "--imgsz", "320", "--height", "256",
                      "--threads", threads, "--iterations", "40", "--json"])[0]
    bare.append(1000 / bench["forward_ms"]["median"])
throughput = {"e2e_fps": round(statistics.median(e2e), 1), "forward_fps": round(statistics.median(bare), 1)}
throughput["ratio"] = round(throughput["e2e_fps"] / throughput["forward_fps"], 3)
summary["lossless_480p_at_320"] = throughput
print(f"lossless 640x480 file at --imgsz 320 (input 320x256): end to end {throughput['e2e_fps']} fps, "
      f"bare forward {throughput['forward_fps']} fps, ratio {throughput['ratio']}")

# 3. Live RTSP.
with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
server = subprocess.Popen(["/usr/bin/python3", "Tests/Support/rtsp_server.py", str(port), "640", "480"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
server.stdout.readline()
# stdout goes to a file: a pipe nobody reads until the end would fill up and stall the daemon's writer, which
# then shows up as latency.
with open(f"{work}/live.jsonl", "w") as sink:
    daemon = subprocess.Popen([detectd, "--weights", weights, "--imgsz", "320", "--threads", threads,
                               "--stats-interval", str(live_seconds / 3), f"cam=rtsp://127.0.0.1:{port}/test"],
                              stdout=sink, stderr=subprocess.DEVNULL)
    time.sleep(live_seconds)
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=10)
server.kill()
output = open(f"{work}/live.jsonl").read()
stats = [json.loads(l) for l in output.splitlines() if '"stats"' in l]
# Skip the first interval (connection and warm-up); report the steady ones.
steady = stats[1:-1] or stats
live = {
    "frames": stats[-1]["frames"], "dropped": stats[-1]["dropped"],
    "output_fps": round(statistics.median(s["output_fps"] for s in steady), 2),
    "latency_p50_ms": round(statistics.median(s["latency_ms"]["p50"] for s in steady if s["latency_ms"]["p50"]), 1),
    "latency_p99_ms": round(max(s["latency_ms"]["p99"] for s in steady if s["latency_ms"]["p99"]), 1),
}
summary["live_rtsp_480p_at_320"] = live
print(f"live RTSP 640x480 25 fps at --imgsz 320 for {live_seconds:.0f} s: {live['frames']} frames, "
      f"{live['dropped']} dropped, {live['output_fps']} fps, latency p50 {live['latency_p50_ms']} ms, "
      f"p99 {live['latency_p99_ms']} ms")
print(json.dumps(summary))
PYTHON
