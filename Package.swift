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
        .executableTarget(name: "detectd", dependencies: ["Torch"]),
        .testTarget(name: "TorchTests", dependencies: ["Torch"]),
        .testTarget(name: "detectdTests", dependencies: ["detectd", "Torch"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
