"""Times ONNX Runtime on a YOLOv7 ONNX file: batch 1, random input, after warm-up.

Prints one JSON line like `detectd bench --json`: {"forward_ms": {"min", "median", "max"}, "imgsz", "threads",
"peak_rss_mb"}. Used by bench/detector-vs-ort.sh; needs the test venv (numpy, onnxruntime).
"""
import json
import resource
import sys
import time

import numpy as np
import onnxruntime as ort


def main() -> None:
    path, size, threads, iterations = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    image = np.random.default_rng(0).random((1, 3, size, size), dtype=np.float32)
    for _ in range(5):
        session.run(None, {name: image})
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        session.run(None, {name: image})
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "forward_ms": {"min": times[0], "median": times[len(times) // 2], "max": times[-1]},
        "imgsz": size, "threads": threads, "peak_rss_mb": peak,
    }))


if __name__ == "__main__":
    main()
