#!/usr/bin/env bash
# How OpenMP's wait policy moves the bare forward rate (yolov7-tiny at 320x256, 2 threads), on a quiet machine
# and with the cores shared: detectd's default (GOMP_SPINCOUNT=3000) and a shorter spin (1000) against sleeping
# at once (OMP_WAIT_POLICY=PASSIVE) and against libgomp's own default (spinning about 300000 rounds), side by
# side, alternating order round by round. "Loaded" runs a busy loop per core beside the forward, standing in for
# decoding, an RTSP server or another process. Prints medians (runs per second, and the slowest run's ms) and
# the ratios to PASSIVE, then one JSON object.
#
# Usage: bench/openmp-wait.sh [--rounds R] [--iterations K]
set -euo pipefail

rounds=3
iterations=150
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_parse "rounds iterations" "$@"
bench_setup

"$python" - "$detectd" "$fixtures/yolov7-tiny-nc3.pt" "$rounds" "$iterations" <<'PYTHON'
import json, os, statistics, subprocess, sys

detectd, weights, rounds, iterations = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
policies = {"spin3000": {"GOMP_SPINCOUNT": "3000"}, "spin1000": {"GOMP_SPINCOUNT": "1000"},
            "passive": {"OMP_WAIT_POLICY": "PASSIVE"},
            "libgomp_default": {"OMP_WAIT_POLICY": "", "GOMP_SPINCOUNT": ""}}

def forward(policy):
    environment = {k: v for k, v in os.environ.items() if k not in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY")}
    # An empty variable is a choice too: detectd leaves it alone, and libgomp ignores it.
    environment.update(policies[policy])
    output = subprocess.run([detectd, "bench", "--weights", weights, "--imgsz", "320", "--height", "256",
                             "--threads", "2", "--iterations", iterations, "--json"],
                            check=True, capture_output=True, text=True, env=environment).stdout
    return json.loads(output.splitlines()[0])

summary = {}
for load in ("quiet", "loaded"):
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count())] \
        if load == "loaded" else []
    try:
        runs = {policy: [] for policy in policies}
        for round_index in range(rounds):
            order = list(policies) if round_index % 2 == 0 else list(reversed(policies))
            for policy in order:
                runs[policy].append(forward(policy))
    finally:
        for spinner in spinners:
            spinner.kill()
    figures = {policy: {"fps": round(statistics.median(r["forward_fps"] for r in rows), 1),
                        "max_ms": round(statistics.median(r["forward_ms"]["max"] for r in rows), 1)}
               for policy, rows in runs.items()}
    for policy in policies:
        figures[policy]["vs_passive"] = round(figures[policy]["fps"] / figures["passive"]["fps"], 3)
        print(f"{load:6} {policy:16} {figures[policy]['fps']:6.1f} fps  slowest run {figures[policy]['max_ms']:7.1f} ms"
              f"  / passive {figures[policy]['vs_passive']:.3f}", flush=True)
    summary[load] = figures
print(json.dumps(summary))
PYTHON
