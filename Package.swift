// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "sckd",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sckd", targets: ["sckd"]),
        // For the fuzzers in Fuzz/ (a package of their own), not a supported API.
        .library(name: "SCKDModel", targets: ["SCKDModel"]),
        .library(name: "SCKDMedia", targets: ["SCKDMedia"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C shims: thin, prefixed, static inline wrappers for what Swift cannot import.
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat libavcodec libswscale libavutil",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"])]
        ),
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        .systemLibrary(name: "CV4L2", pkgConfig: "libv4l2", providers: [.apt(["libv4l-dev"])]),
        .target(name: "CSCKDSystem"),
        // Process plumbing in Swift: stop signals, re-execution with a runtime setting.
        .target(name: "SCKDSystem", dependencies: ["CSCKDSystem"]),
        // Hot loops in C, one target per layer that owns them: picture passes and the exposure tone
        // (core, also the shared compile settings); YUV <-> float (media); LDFC-Net's fused passes
        // and convolutions where oneDNN's primitives are bound by memory traffic (model).
        .target(name: "CSCKDCoreKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "CSCKDMediaKernels", dependencies: ["CSCKDCoreKernels"], cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "CSCKDModelKernels", dependencies: ["CSCKDCoreKernels"], cSettings: [.unsafeFlags(["-O3"])]),

        // Frames and the enhancer interface: shared by media, models and the pipeline.
        .target(name: "SCKDCore", dependencies: ["CSCKDCoreKernels"]),
        // FFmpeg demux/decode/convert/encode/mux. Knows nothing of networks.
        .target(name: "SCKDMedia", dependencies: ["CFFmpeg", "CSCKDMediaKernels", "SCKDSystem", "SCKDCore"]),
        // LDFC-Net on oneDNN: safetensors weights, the graph, phases A and B. Knows nothing of video.
        .target(name: "SCKDModel", dependencies: ["CDNNL", "CSCKDModelKernels", "SCKDCore"]),
        // PSNR / SSIM as the reference tool computes them.
        .target(name: "SCKDMetrics"),
        // Live capture from V4L2 webcams (libv4l2), behind a mockable device interface.
        .target(name: "SCKDCapture", dependencies: ["CV4L2", "SCKDCore"]),
        // The classical Retinex baseline enhancer.
        .target(name: "SCKDClassic", dependencies: ["SCKDCore"]),
        // Segment-parallel processing: manifests of keyframe-aligned segments, part checks, joins.
        .target(name: "SCKDSegments", dependencies: ["SCKDMedia"]),
        // Source (a file, a camera) -> enhance -> sink: threads, queues, smoothing, the jobs.
        .target(name: "SCKDPipeline", dependencies: ["SCKDCore", "SCKDMedia", "SCKDCapture", "SCKDSystem"]),
        .executableTarget(
            name: "sckd",
            dependencies: [
                "SCKDCore", "SCKDMedia", "SCKDClassic", "SCKDModel", "SCKDMetrics", "SCKDPipeline", "SCKDCapture", "SCKDSystem", "SCKDSegments",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Helpers shared by the test targets: run processes, make media with the ffmpeg CLI.
        .target(name: "SCKDTestSupport", path: "Tests/SCKDTestSupport"),
        .testTarget(name: "SCKDCoreTests", dependencies: ["SCKDCore"]),
        .testTarget(name: "SCKDMetricsTests", dependencies: ["SCKDMetrics"]),
        .testTarget(name: "SCKDCaptureTests", dependencies: ["SCKDCapture"]),
        .testTarget(name: "SCKDPipelineTests", dependencies: ["SCKDPipeline", "SCKDCore"]),
        .testTarget(name: "SCKDClassicTests", dependencies: ["SCKDClassic", "SCKDCore"]),
        .testTarget(name: "SCKDModelTests", dependencies: ["SCKDModel", "SCKDCore", "SCKDTestSupport", "CDNNL", "CSCKDModelKernels"],
                    exclude: ["Fixtures"]),  // weights files the tests open by path
        .testTarget(name: "SCKDMediaTests", dependencies: ["SCKDMedia", "SCKDCore", "SCKDTestSupport"]),
        .testTarget(name: "SCKDSegmentsTests", dependencies: ["SCKDSegments", "SCKDMedia", "SCKDTestSupport"]),
        .testTarget(name: "SCKDCLITests", dependencies: ["SCKDTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
