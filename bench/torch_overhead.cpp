// Baseline for the per-call overhead of the Swift -> CTorch -> libtorch path: the same libtorch calls made
// directly from C++. Mirrors Benchmarks/TorchOverhead/main.swift; bench/torch-overhead.sh builds and runs both.
//
// Usage: torch_overhead conv|add ITERATIONS THREADS
// Prints one JSON line: {"impl":"cpp","op":"conv","iterations":N,"ns_per_call":X}

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

/// Warm-up calls before timing: a tenth of the timed batch, at least one.
long warmup_count(long iterations) { return iterations / 10 > 0 ? iterations / 10 : 1; }

/// Parses a positive decimal integer; returns 0 when `text` is not one.
long parse_positive(const char *text) {
    char *end = nullptr;
    long value = std::strtol(text, &end, 10);
    if (end == text || *end != '\0' || value < 1) {
        return 0;
    }
    return value;
}

/// Calls `body` `iterations` times and returns the mean wall time per call in nanoseconds.
template <typename Body>
double time_per_call(long iterations, Body &&body) {
    for (long i = 0, n = warmup_count(iterations); i < n; ++i) {
        body();
    }
    auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < iterations; ++i) {
        body();
    }
    auto stop = std::chrono::steady_clock::now();
    auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(stop - start).count();
    return static_cast<double>(elapsed) / static_cast<double>(iterations);
}

int usage() {
    std::fprintf(stderr, "usage: torch_overhead conv|add ITERATIONS THREADS\n");
    return 2;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 4) {
        return usage();
    }
    const std::string op = argv[1];
    const long iterations = parse_positive(argv[2]);
    const long threads = parse_positive(argv[3]);
    if ((op != "conv" && op != "add") || iterations == 0 || threads == 0) {
        return usage();
    }

    at::set_num_threads(static_cast<int>(threads));
    at::manual_seed(0);
    at::NoGradGuard no_grad;

    double ns_per_call = 0;
    if (op == "conv") {
        const auto x = at::randn({1, 64, 80, 80});
        const auto w = at::randn({64, 64, 3, 3});
        const auto b = at::randn({64});
        ns_per_call = time_per_call(iterations, [&] {
            // The result is dropped at the end of each call, as the Swift Tensor frees its handle.
            at::Tensor y = at::conv2d(x, w, b, {1, 1}, {1, 1}, {1, 1}, 1);
        });
    } else {
        const auto a = at::randn({16});
        const auto b = at::randn({16});
        ns_per_call = time_per_call(iterations, [&] { at::Tensor y = at::add(a, b); });
    }

    std::printf("{\"impl\":\"cpp\",\"op\":\"%s\",\"iterations\":%ld,\"ns_per_call\":%.1f}\n", op.c_str(), iterations,
                ns_per_call);
    return 0;
}
