// swift-tools-version: 6.0
// libFuzzer targets for the parsers that read what users hand us: safetensors weights, still
// pictures, and demux + decode of any bytes. Built apart from the product (a fuzzer binary has
// libFuzzer's main, not ours): `make fuzz` at the repository root.
import PackageDescription

let package = Package(
    name: "sckd-fuzz",
    dependencies: [.package(name: "sckd", path: "..")],
    targets: [
        .target(name: "SCKDFuzzDriver"),
        .executableTarget(name: "FuzzSafetensors", dependencies: ["SCKDFuzzDriver", .product(name: "SCKDModel", package: "sckd")]),
        .executableTarget(name: "FuzzStillImage", dependencies: ["SCKDFuzzDriver", .product(name: "SCKDMedia", package: "sckd")]),
        .executableTarget(name: "FuzzDemux", dependencies: ["SCKDFuzzDriver", .product(name: "SCKDMedia", package: "sckd")]),
    ],
    swiftLanguageModes: [.v5]
)
