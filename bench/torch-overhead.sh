#!/usr/bin/env bash
# Compares the per-call cost of libtorch operations made through Swift -> CTorch -> libtorch with the same calls
# made from C++ directly (bench/torch_overhead.cpp against Benchmarks/TorchOverhead/main.swift).
#
# Each round starts a fresh process per implementation and operation; the two implementations alternate (and
# swap order every round) so that machine noise hits both alike. Prints, per operation, the median ns/call of
# each implementation over the rounds and the ratio swift/cpp of those medians, then one JSON object.
#
# Usage: bench/torch-overhead.sh [--rounds R] [--threads N] [--conv-iterations K] [--add-iterations K]
set -euo pipefail

rounds=15
threads=2
conv_iterations=200
add_iterations=200000

usage() {
    echo "usage: $0 [--rounds R] [--threads N] [--conv-iterations K] [--add-iterations K]" >&2
    exit 2
}

while [[ $# -gt 0 ]]; do
    [[ $# -ge 2 ]] || usage
    case "$1" in
        --rounds) rounds="$2" ;;
        --threads) threads="$2" ;;
        --conv-iterations) conv_iterations="$2" ;;
        --add-iterations) add_iterations="$2" ;;
        *) usage ;;
    esac
    shift 2
done
for value in "$rounds" "$threads" "$conv_iterations" "$add_iterations"; do
    [[ "$value" =~ ^[1-9][0-9]*$ ]] || usage
done

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Build logs go to stderr so that stdout carries only the results.
echo "building the Swift benchmark (release)..." >&2
swift build -c release --product torch-overhead >&2
swift_bin="$(swift build -c release --product torch-overhead --show-bin-path)/torch-overhead"

cpp_bin=.build/bench/torch_overhead
mkdir -p .build/bench
if [[ ! -x "$cpp_bin" || bench/torch_overhead.cpp -nt "$cpp_bin" ]]; then
    echo "building the C++ baseline..." >&2
    g++ -O2 -std=c++17 -isystem /usr/include/torch/csrc/api/include -Wno-deprecated-declarations \
        bench/torch_overhead.cpp -o "$cpp_bin" -ltorch -ltorch_cpu -lc10
fi

results=.build/bench/torch-overhead-results.jsonl
: >"$results"

run() {
    local impl="$1" op="$2" iterations="$3"
    if [[ "$impl" == cpp ]]; then
        "$cpp_bin" "$op" "$iterations" "$threads" >>"$results"
    else
        "$swift_bin" "$op" "$iterations" "$threads" >>"$results"
    fi
}

for ((round = 1; round <= rounds; round++)); do
    echo "round $round/$rounds" >&2
    if ((round % 2 == 1)); then order=(cpp swift); else order=(swift cpp); fi
    for op in conv add; do
        if [[ "$op" == conv ]]; then iterations="$conv_iterations"; else iterations="$add_iterations"; fi
        for impl in "${order[@]}"; do
            run "$impl" "$op" "$iterations"
        done
    done
done

python3 - "$results" "$rounds" "$threads" <<'PY'
import json
import statistics
import sys

path, rounds, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
samples = {}
with open(path) as lines:
    for line in lines:
        record = json.loads(line)
        samples.setdefault((record["op"], record["impl"]), []).append(record["ns_per_call"])

summary = {}
print(f"rounds: {rounds}, threads: {threads}; ns/call, median over rounds (min over rounds: the least disturbed)")
print(f"{'op':<6}{'cpp ns':>14}{'swift ns':>14}{'swift/cpp':>11}{'cpp min':>14}{'swift min':>14}{'min ratio':>11}")
for op in ("conv", "add"):
    cpp = statistics.median(samples[(op, "cpp")])
    swift = statistics.median(samples[(op, "swift")])
    ratio = swift / cpp
    summary[op] = {"cpp_ns": round(cpp, 1), "swift_ns": round(swift, 1), "ratio": round(ratio, 4)}
    cpp_min, swift_min = min(samples[(op, "cpp")]), min(samples[(op, "swift")])
    min_ratio = swift_min / cpp_min
    print(f"{op:<6}{cpp:>14.1f}{swift:>14.1f}{ratio:>11.4f}{cpp_min:>14.1f}{swift_min:>14.1f}{min_ratio:>11.4f}")
print(json.dumps(summary, separators=(",", ":")))
PY
