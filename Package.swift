// swift-tools-version: 6.0
import PackageDescription

/// Debian's libtorch keeps the C++ frontend headers outside the default include path.
let torchIncludes = "/usr/include/torch/csrc/api/include"

let package = Package(
    name: "detectd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "detectd", targets: ["detectd"]),
        .library(name: "Torch", targets: ["Torch"]),
    ],
    targets: [
        .target(
            name: "CTorch",
            cxxSettings: [
                .unsafeFlags(["-isystem", torchIncludes, "-Wno-deprecated-declarations"])
            ],
            linkerSettings: [
                .linkedLibrary("torch"),
                .linkedLibrary("torch_cpu"),
                .linkedLibrary("c10"),
            ]
        ),
        .target(name: "Torch", dependencies: ["CTorch"]),
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat libavcodec libswscale libavutil"),
        .target(name: "Stream", dependencies: ["CFFmpeg"]),
        .target(name: "Datasets", dependencies: ["Stream"]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd"),
        .systemLibrary(name: "CDNNL"),
        .target(name: "Detector", dependencies: ["Torch", "CDNNL"]),
        .target(name: "Evaluation"),
        .target(name: "Training", dependencies: ["Datasets", "Detector", "Evaluation", "Stream", "Torch"]),
        .executableTarget(
            name: "detectd",
            dependencies: ["CSystemd", "Datasets", "Detector", "Evaluation", "Stream", "Torch", "Training"]),
        .executableTarget(name: "torch-overhead", dependencies: ["Torch"], path: "Benchmarks/TorchOverhead"),
        // Helpers the test targets share; no product ships it.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TorchTests", dependencies: ["Torch", "TestSupport"]),
        .testTarget(name: "DetectorTests", dependencies: ["Detector", "Torch", "TestSupport"]),
        .testTarget(name: "StreamTests", dependencies: ["Stream", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Datasets", "Detector", "Torch"]),
        .testTarget(name: "detectdTests", dependencies: ["detectd", "Torch"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
