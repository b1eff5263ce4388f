import CDNNL
import CSCKDModelKernels
import Dispatch
import SCKDCore

/// Arithmetic of the network: fp32, or bf16 weights and feature maps (AVX-512 BF16; accumulation
/// stays fp32 inside oneDNN's kernels, pictures and the illumination map stay fp32).
public enum Precision: String, Sendable, CaseIterable {
    case fp32
    case bf16

    /// Whether this CPU runs the precision: oneDNN has bf16 convolutions from AVX-512 on only.
    public var isSupported: Bool {
        switch self {
        case .fp32: return true
        case .bf16:
            let avx512 = dnnl_cpu_isa_avx512_core.rawValue
            return dnnl_get_effective_cpu_isa().rawValue & avx512 == avx512
        }
    }
}

/// A precision this CPU cannot run.
public struct UnsupportedPrecision: Error, CustomStringConvertible {
    public let precision: Precision
    public init(precision: Precision) { self.precision = precision }
    public var description: String {
        "\(precision.rawValue) needs a CPU with AVX-512, which this one lacks: use --precision fp32"
    }
}

/// LDFC-Net inference on oneDNN primitives: phase A (input -> illumination at 1/4 resolution) and
/// phase B (input + illumination -> output), as separate calls so the video pipeline can smooth
/// the illumination between them.
///
/// Layouts are oneDNN's choice (`format_tag_any` on every convolution; the blocked layout chosen by
/// the first full-resolution convolution is then imposed on everything that shares its tensors,
/// so no reorders run between layers). Activations, sums, the light-guided scale/shift and the
/// final clamp are fused as post-ops. Input and output pictures are bound zero-copy (planar float
/// RGB is NCHW with N = 1). Primitives are created once per input size and reused.
///
/// Where a primitive would be bound by memory traffic rather than arithmetic, C passes take over
/// (CSCKDModelKernels, AVX-512 + bf16; `fusedBlocks: false` or another CPU keeps the primitives): the
/// depthwise-separable blocks of a stage depth first, the real-time body's input with its 1x1
/// convolution and calibration, phase A's 3-channel head.
///
/// Threading: one engine per thread, used only from the thread that created it (Debian's oneDNN
/// uses OpenMP and wants primitives run where they were made); `threads` is that thread's OpenMP
/// team size.
public final class LDFCNetEngine: FrameEnhancer {
    public let weights: LDFCNetWeights
    public var config: LDFCNetConfig { weights.config }
    public var name: String { config.name }
    public let threads: Int
    public let precision: Precision
    public var stabilisesInputExposure: Bool { true }
    let ctx: DNNLContext
    private var plans: [Size: Plan] = [:]
    private var planOrder: [Size] = []
    /// Plans kept for different input sizes (stills of many sizes, tiles of a large frame).
    let maxPlans = 8

    struct Size: Hashable { let width: Int, height: Int }

    /// Whether the fused C passes run where the CPU allows (the depthwise-separable stages, the
    /// real-time body input, phase A's head) rather than oneDNN primitives; off only to compare.
    public let fusedBlocks: Bool

    public init(weights: LDFCNetWeights, threads: Int = 0, precision: Precision = .fp32, fusedBlocks: Bool = true) throws {
        self.weights = weights
        self.precision = precision
        self.fusedBlocks = fusedBlocks
        self.threads = threads > 0 ? threads : Int(omp_get_max_threads())
        guard precision.isSupported else { throw UnsupportedPrecision(precision: precision) }
        ctx = try DNNLContext()
    }

    public func estimateIllumination(_ image: PlanarImage) throws -> PlanarImage {
        try estimateIllumination(image, frameMean: nil)
    }

    /// Phase A on a part of a larger frame: `frameMean` replaces the part's own feature means in
    /// the whole-frame context (architecture version 2; see `featureSums`). nil: the part is the frame.
    func estimateIllumination(_ image: PlanarImage, frameMean: [Float]?) throws -> PlanarImage {
        let plan = try self.plan(width: image.width, height: image.height)
        plan.context.givenMean = frameMean
        defer { plan.context.givenMean = nil }
        return try runPhaseA(image, plan)
    }

    /// The sums of phase A's quarter-scale features (before the whole-frame context) over a
    /// rectangle of this picture's quarter-scale map: a tiled frame adds its tiles' own parts to
    /// get the whole frame's means. Only for networks with `aGlobal`.
    func featureSums(_ image: PlanarImage, x: Int, y: Int, width: Int, height: Int) throws -> [Double] {
        precondition(config.aGlobal, "featureSums: the network has no whole-frame context")
        let plan = try self.plan(width: image.width, height: image.height)
        precondition(x >= 0 && y >= 0 && x + width <= plan.w4 && y + height <= plan.h4, "featureSums: rectangle outside the map")
        plan.context.sumRegion = (x, y, width, height)
        defer { plan.context.sumRegion = nil }
        _ = try runPhaseA(image, plan)
        return plan.context.regionSums
    }

    private func runPhaseA(_ image: PlanarImage, _ plan: Plan) throws -> PlanarImage {
        precondition(image.channels == 3)
        omp_set_num_threads(Int32(threads))
        let L = PlanarImage(uninitializedWidth: plan.w4, height: plan.h4, channels: 3)  // every sample written
        try plan.inputA.bind(image.data)
        try plan.illuminationOut.bind(L.data)
        for p in plan.phaseA { try p.execute(ctx) }
        try check(dnnl_stream_wait(ctx.stream), "stream_wait")
        return L
    }

    public func enhance(_ image: PlanarImage, illumination: PlanarImage) throws -> PlanarImage {
        try enhance(image, illumination: illumination, inputGain: 1)
    }

    public func enhance(_ image: PlanarImage, illumination: PlanarImage, inputGain: Float) throws -> PlanarImage {
        precondition(image.channels == 3)
        let plan = try self.plan(width: image.width, height: image.height)
        precondition(illumination.width == plan.w4 && illumination.height == plan.h4 && illumination.channels == 3,
                     "illumination \(illumination.width)x\(illumination.height) does not fit a \(image.width)x\(image.height) frame")
        omp_set_num_threads(Int32(threads))
        let out = PlanarImage(uninitializedWidth: image.width, height: image.height, channels: 3)  // every sample written
        try plan.inputB.bind(image.data)
        try plan.illuminationIn.bind(illumination.data)
        try plan.output.bind(out.data)
        plan.inputGain = inputGain
        for p in plan.phaseB { try p.execute(ctx) }
        try check(dnnl_stream_wait(ctx.stream), "stream_wait")
        return out
    }

    /// The size of the illumination map for a frame size.
    public static func illuminationSize(width: Int, height: Int) -> (width: Int, height: Int) {
        (((width + 1) / 2 + 1) / 2, ((height + 1) / 2 + 1) / 2)
    }

    /// Implementation names per primitive (for `sckd info` and to spot reference fallbacks).
    public func implementations(width: Int, height: Int) throws -> [(String, String)] {
        let plan = try self.plan(width: width, height: height)
        return (plan.phaseA + plan.phaseB).map { ($0.name, "\($0.implementation)  \($0.layouts)") }
    }

    /// Milliseconds per primitive for one frame of this size (median of `runs`), in graph order. The
    /// fused body input is reported as its two parts, "prepare*" and "l_down+calibrate*" (timed
    /// inside the step).
    public func profile(width: Int, height: Int, runs: Int = 5) throws -> [(String, Double)] {
        let plan = try self.plan(width: width, height: height)
        omp_set_num_threads(Int32(threads))
        let x = PlanarImage(width: width, height: height, channels: 3, filledWith: 0.1)
        let L = PlanarImage(width: plan.w4, height: plan.h4, channels: 3, filledWith: 0.2)
        let out = PlanarImage(width: width, height: height, channels: 3)
        try plan.inputA.bind(x.data); try plan.illuminationOut.bind(L.data)
        try plan.inputB.bind(x.data); try plan.illuminationIn.bind(L.data); try plan.output.bind(out.data)
        let all = plan.phaseA + plan.phaseB
        var times = [[Double]](repeating: [], count: all.count)
        var prepareShare = [[Double]](repeating: [], count: all.count)
        plan.measurePrepare = true
        defer { plan.measurePrepare = false }
        for run in 0..<(runs + 1) {
            for (i, p) in all.enumerated() {
                plan.prepareNanoseconds.pointee = 0
                let t0 = DispatchTime.now().uptimeNanoseconds
                try p.execute(ctx)
                try check(dnnl_stream_wait(ctx.stream), "stream_wait")
                if run > 0 {
                    times[i].append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                    // The fused body input reports the time its threads spent preparing; the
                    // threads split the rows, so the wall-clock share is that sum per thread.
                    if let k = p as? KernelStep, plan.prepareNanoseconds.pointee > 0 {
                        prepareShare[i].append(Double(plan.prepareNanoseconds.pointee) / Double(k.threads) / 1e6)
                    }
                }
            }
        }
        let median = { (v: [Double]) in v.sorted()[v.count / 2] }
        var steps: [(String, Double)] = []
        for (i, p) in all.enumerated() {
            let ms = median(times[i])
            if prepareShare[i].isEmpty {
                steps.append((p.name, ms))
            } else {
                // "prepare+l_down+calibrate": the elementwise prepare part apart from the rest.
                let prep = min(ms, median(prepareShare[i]))
                steps.append(("prepare*", prep))
                steps.append((p.name.split(separator: "+").dropFirst().joined(separator: "+") + "*", ms - prep))
            }
        }
        return steps
    }

    func plan(width: Int, height: Int) throws -> Plan {
        let key = Size(width: width, height: height)
        if let p = plans[key] { return p }
        let p = try Plan(weights: weights, ctx: ctx, width: width, height: height, precision: precision, threads: threads,
                         fusedBlocks: fusedBlocks)
        plans[key] = p
        planOrder.append(key)
        if planOrder.count > maxPlans { plans[planOrder.removeFirst()] = nil }
        return p
    }
}
