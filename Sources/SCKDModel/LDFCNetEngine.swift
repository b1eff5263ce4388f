import CDNNL
import CSCKDKernels
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
/// (CSCKDKernels, AVX-512 + bf16; `fusedBlocks: false` or another CPU keeps the primitives): the
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

/// Phase A's whole-frame context between executions. By default it takes the channel means of
/// the picture phase A runs on; a tiled frame first asks each tile for the sums over its own part
/// (`sumRegion` -> `regionSums`), then runs every tile with the whole frame's means (`givenMean`),
/// so that tiles agree with the untiled frame.
final class WholeFrameContext {
    var givenMean: [Float]?
    var sumRegion: (x: Int, y: Int, width: Int, height: Int)?
    var regionSums: [Double] = []
}

/// The primitives and memories for one input size.
final class Plan {
    /// Layout of phase B's feature maps. Channels-last lets oneDNN use its brgemm kernels, whose
    /// transposed convolution is ~40x faster here than the blocked-layout one (measured with
    /// `sckd bench --profile`).
    static let featureLayout = dnnl_acdb
    let w: Int, h: Int, w2: Int, h2: Int, w4: Int, h4: Int
    var phaseA: [any PlanStep] = []
    var phaseB: [any PlanStep] = []
    let inputA: DNNLMemory
    let illuminationOut: DNNLMemory
    let inputB: DNNLMemory
    let illuminationIn: DNNLMemory
    let output: DNNLMemory
    private var keep: [AnyObject] = []  // weight memories and intermediates, alive as long as the plan
    private let ctx: DNNLContext
    private let weights: LDFCNetWeights
    /// Element type of weights and feature maps (pictures, illumination and residual stay f32).
    let dt: dnnl_data_type_t

    /// Threads for the fused passes (oneDNN's primitives use the OpenMP team of the calling thread).
    let threads: Int
    /// Exposure gain applied to phase B's input picture by the first fused pass (see
    /// `FrameEnhancer.enhance(_:illumination:inputGain:)`); set before each execution.
    var inputGain: Float = 1

    /// What phase A's whole-frame context step reads and writes besides the feature map.
    let context = WholeFrameContext()

    /// The fused C passes where the CPU allows (see `LDFCNetEngine.fusedBlocks`).
    let fusedBlocks: Bool
    /// Profiling: the fused body input adds the time it spends preparing here.
    var measurePrepare = false
    let prepareNanoseconds = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
    deinit { prepareNanoseconds.deallocate() }

    init(weights: LDFCNetWeights, ctx: DNNLContext, width: Int, height: Int, precision: Precision, threads: Int,
         fusedBlocks: Bool) throws {
        self.ctx = ctx
        self.threads = threads
        self.fusedBlocks = fusedBlocks
        self.weights = weights
        dt = precision == .bf16 ? dnnl_bf16 : dnnl_f32
        let cfg = weights.config
        w = width; h = height
        w2 = (w + 1) / 2; h2 = (h + 1) / 2
        w4 = (w2 + 1) / 2; h4 = (h2 + 1) / 2
        let full3 = try memoryDesc([1, 3, h, w], dnnl_f32, dnnl_nchw)
        let quarter3 = try memoryDesc([1, 3, h4, w4], dnnl_f32, dnnl_nchw)
        inputA = try DNNLMemory(full3, ctx, allocate: false)
        illuminationOut = try DNNLMemory(quarter3, ctx, allocate: false)
        inputB = try DNNLMemory(full3, ctx, allocate: false)
        illuminationIn = try DNNLMemory(quarter3, ctx, allocate: false)
        output = try DNNLMemory(full3, ctx, allocate: false)

        // Phase A: illumination. (In bf16 the picture is converted first: convolutions take one type.)
        var pictureA = inputA
        if dt != dnnl_f32 {
            pictureA = try DNNLMemory(try memoryDesc([1, 3, h, w], dt, dnnl_nchw), ctx)
            keep.append(pictureA)
            try reorder("input.bf16", from: inputA, to: pictureA, into: &phaseA)
        }
        var a = try conv("a_down1", src: pictureA, out: cfg.aCh, k: 3, stride: 2, post: [.relu], into: &phaseA)
        a = try conv("a_down2", src: a, out: cfg.aCh, k: 3, stride: 2, post: [.relu], into: &phaseA)
        a = try dsBlocks("a_blocks", count: cfg.aBlocks, a, into: &phaseA).result
        let floor = LDFCNetConfig.illuminationFloor
        // a_head reads channels-last; 16 channels in 16-blocks are that already (a view, no copy).
        let aLast: DNNLMemory
        if let view = try channelsLastView(a) {
            aLast = view
        } else {
            aLast = try DNNLMemory(try memoryDesc([1, cfg.aCh, h4, w4], dt, Plan.featureLayout), ctx)
            keep.append(aLast)
            try reorder("a_head.input", from: a, to: aLast, into: &phaseA)
        }
        if cfg.aGlobal {
            try wholeFrameContext(aLast, into: &phaseA)
        }
        if fusedBlocks, cfg.aCh == 16, sckd_ldfc_ds_block_available(16, dt == dnnl_bf16 ? 1 : 0) != 0 {
            // Three output channels leave oneDNN's vectorised kernels (7x the arithmetic's time):
            // a C pass vectorised over pixels, writing the planar map directly.
            let (headW, headB, src, out) = (weights["a_head.weight"], weights["a_head.bias"], aLast, illuminationOut)
            let (bf16, hh, hw) = (Int32(dt == dnnl_bf16 ? 1 : 0), Int32(h4), Int32(w4))
            phaseA.append(KernelStep(name: "a_head", layouts: "src acdb  dst abcd (fused sigmoid)", rows: h4, threads: threads) { begin, end in
                headW.withUnsafeBufferPointer { wp in headB.withUnsafeBufferPointer { bp in
                    sckd_ldfc_illumination_head(src.pointer, bf16, hh, hw, wp.baseAddress, bp.baseAddress, floor,
                                                out.pointer.assumingMemoryBound(to: Float.self), Int32(begin), Int32(end))
                } }
            })
        } else {
            // oneDNN writes the 3 channels channels-last; a reorder makes the planar map.
            let head = try conv("a_head", src: aLast, out: 3, k: 3, stride: 1, post: [.sigmoid, .linear(alpha: 1 - floor, beta: floor)],
                                dstDesc: try memoryDesc([1, 3, h4, w4], dnnl_f32, Plan.featureLayout),
                                into: &phaseA)
            try reorder("a_head.planar", from: head, to: illuminationOut, into: &phaseA)
        }

        // Phase B, LGC: one fused pass computes L_up, the coarse enhancement E = min(x / L_up, 1)
        // (written straight into the output buffer, where the residual is added at the end) and
        // the input of the trainable part, (x, E, L_up): channels-last for the quality model's
        // full-resolution convolution, space-to-depth by 4 for the real-time model, whose 4x4
        // stride-4 convolution then is a 1x1 convolution (a plain matrix product).
        let quarter = cfg.bodyAtQuarter
        let (inB, illB, outB) = (inputB, illuminationIn, output)
        let (fw, fh, bf16) = (Int32(w), Int32(h), Int32(dt == dnnl_bf16 ? 1 : 0))

        // LISC body, at 1/2 resolution behind full-resolution features (quality) or at 1/4 straight
        // from the input (real time), calibrated there by the illumination (LGC: scale, with the
        // "1 +" folded into its bias, and shift).
        let (bw, bh) = quarter ? (w4, h4) : (w2, h2)
        let bodyDesc = try memoryDesc([1, cfg.lCh, bh, bw], dt, Plan.featureLayout)
        let C = cfg.lCh
        // LGC's calibration, g * (1 + scale(L)) + shift(L), as one C pass over g (or in the
        // epilogue of the fused body input): as two 1x1 convolutions (3 -> 48) and a binary
        // primitive it read and wrote g's size three times. (Fusing it into l_down as binary
        // post-ops was measured: no faster for the quality model, slower for the real-time one,
        // whose 1x1 then leaves the brgemm kernel.)
        let mod = weights["l_mod.weight"], modBias = weights["l_mod.bias"]  // (2 C, 3, 1, 1)
        // One buffer: Ws [3][C] | s_bias [C] | Wt [3][C] | t_bias [C].
        var calibration = [Float](repeating: 0, count: 8 * C)
        for n in 0..<C {
            for c in 0..<3 {
                calibration[c * C + n] = mod[n * 3 + c]
                calibration[4 * C + c * C + n] = mod[(C + n) * 3 + c]
            }
            calibration[3 * C + n] = modBias[n] + 1
            calibration[7 * C + n] = modBias[C + n]
        }
        var f: DNNLMemory?
        var g: DNNLMemory
        if quarter, fusedBlocks, sckd_ldfc_ds_block_available(Int32(C), bf16) != 0 {
            // Real time, fused: prepare, l_down and the calibration one quarter row at a time
            // (sckd_ldfc_body_input); the 144-channel space-to-depth map never leaves the cache.
            let body = try DNNLMemory(bodyDesc, ctx)
            keep.append(body)
            g = body
            // (C, 144) in the space-to-depth channel order
            let (inOut, pairs) = kernelLayouts(weights["l_down.weight"], out: C, in: 144)
            let bias = Pinned(weights["l_down.bias"]), cal = Pinned(calibration)
            keep += [bias, cal]
            phaseB.append(KernelStep(name: "prepare+l_down+calibrate", layouts: "src abcd  dst acdb (fused)", rows: h4,
                                     threads: threads) { [unowned self] begin, end in
                let c = cal.pointer
                return sckd_ldfc_body_input(inB.pointer.assumingMemoryBound(to: Float.self), self.inputGain,
                                            illB.pointer.assumingMemoryBound(to: Float.self),
                                            outB.pointer.assumingMemoryBound(to: Float.self), body.pointer, bf16,
                                            Int32(C), fh, fw, inOut.pointer, pairs.pointer, bias.pointer,
                                            c, c + 3 * C, c + 4 * C, c + 7 * C, Int32(begin), Int32(end),
                                            self.measurePrepare ? self.prepareNanoseconds : nil)
            })
        } else {
            let trainableInput = quarter ? try memoryDesc([1, 144, h4, w4], dt, Plan.featureLayout)
                                         : try memoryDesc([1, 9, h, w], dt, Plan.featureLayout)
            let prepared = try DNNLMemory(trainableInput, ctx)
            keep.append(prepared)
            let layout = Int32(quarter ? SCKD_PREPARE_SPACE_TO_DEPTH4 : SCKD_PREPARE_CONCAT)
            phaseB.append(KernelStep(name: "prepare", layouts: "src abcd  dst \(quarter ? "space-to-depth4 " : "")acdb", rows: h4,
                                     threads: threads) { [unowned self] begin, end in
                sckd_ldfc_prepare(inB.pointer.assumingMemoryBound(to: Float.self), self.inputGain,
                                  illB.pointer.assumingMemoryBound(to: Float.self),
                                  outB.pointer.assumingMemoryBound(to: Float.self), prepared.pointer, bf16, layout, fh, fw,
                                  Int32(begin), Int32(end))
            })
            let lBody = try DNNLMemory(try memoryDesc([1, 3, bh, bw], dt, Plan.featureLayout), ctx)
            keep.append(lBody)
            if quarter {
                g = try conv("l_down", src: prepared, out: cfg.lCh, k: 1, stride: 1, post: [.relu], dstDesc: bodyDesc,
                             weights: weights["l_down.weight"], into: &phaseB)  // (out, c, ky, kx): the layout's order
                try reorder("l_mod.input", from: illuminationIn, to: lBody, into: &phaseB)
            } else {
                let features = try conv("f_in", src: prepared, out: cfg.fCh, k: cfg.fK, stride: 1, post: [.relu],
                                        dstDesc: try memoryDesc([1, cfg.fCh, h, w], dt, Plan.featureLayout), into: &phaseB)
                f = features
                g = try conv("l_down", src: features, out: cfg.lCh, k: 3, stride: 2, post: [.relu], dstDesc: bodyDesc, into: &phaseB)
                try resample("resize2", factor: 2, src: illuminationIn, dst: lBody, into: &phaseB)
            }
            let (gMem, lMem, rowPixels) = (g, lBody, bw)
            phaseB.append(KernelStep(name: "calibrate", layouts: "g acdb  L acdb", rows: bh, threads: threads) { begin, end in
                calibration.withUnsafeBufferPointer { p in
                    let b = p.baseAddress!
                    sckd_ldfc_calibrate(gMem.pointer, lMem.pointer, bf16, Int32(C), b, b + 3 * C, b + 4 * C, b + 7 * C,
                                        begin * rowPixels, end * rowPixels)
                }
                return 0
            })
        }
        // Real time: l_out (below) as the tail of the blocks' fused pass where it can be.
        var sub: DNNLMemory?
        var (w1, b1) = ([Float](), [Float]())
        if f == nil {
            (w1, b1) = subpixelWeights("l_out", factor: 4, out: 3, inC: cfg.lCh, channelMajor: true)
            sub = try DNNLMemory(try memoryDesc([1, 48, h4, w4], dnnl_f32, dnnl_acdb), ctx)
            keep.append(sub!)
        }
        var tailDone = false
        if cfg.lDense {
            for i in 0..<cfg.lBlocks { try resBlock("l_blocks.\(i)", g, into: &phaseB) }
        } else {
            let tail = sub.flatMap { cfg.lCh == 48 ? (name: "l_out", weights: w1, bias: b1, out: $0) : nil }
            (g, tailDone) = try dsBlocks("l_blocks", count: cfg.lBlocks, g, tail: tail, into: &phaseB)
        }

        // The residual: E + residual, clamped, lands in the output.
        if let f {
            try subpixelUp("l_up", factor: 2, src: g, dst: f, accumulate: true, into: &phaseB)
            for i in 0..<cfg.fBlocks { try resBlock("f_blocks.\(i)", f, into: &phaseB) }
            let blocked = try conv("f_out", src: f, out: 3, k: 1, stride: 1, into: &phaseB)
            let residual = try DNNLMemory(full3, ctx)
            keep.append(residual)
            try reorder("f_out.planar", from: blocked, to: residual, into: &phaseB)
            try binary("output", dnnl_binary_add, output: output, src0: residual, src1: output,
                       post: [.clip(lower: 0, upper: 1)], into: &phaseB)
        } else {
            // The 4x4 stride-4 transposed convolution as a 1x1 convolution to 16 x 3 channels at
            // 1/4 resolution, channel-major (c, dy, dx) so that each 4 neighbouring pixels of a row
            // read 4 neighbouring values; always f32: it is added to the picture. Then one pass that
            // scatters each sub-position to its pixel, adds E and clamps.
            let sub = sub!
            if !tailDone {
                try conv("l_out", src: g, out: 48, k: 1, stride: 1, dst: sub, weights: w1, bias: b1, into: &phaseB)
            }
            phaseB.append(KernelStep(name: "output", layouts: "src acdb  dst abcd", rows: h4, threads: threads) { begin, end in
                sckd_ldfc_subpixel_residual(sub.pointer.assumingMemoryBound(to: Float.self),
                                            outB.pointer.assumingMemoryBound(to: Float.self), fh, fw, Int32(begin), Int32(end))
                return 0
            })
        }
    }

    /// A transposed convolution k = s = factor (PyTorch weights in, out, s, s) as 1x1 weights to
    /// factor² x out channels: channel (dy * s + dx) * out + o takes weight [i, o, dy, dx], or
    /// with `channelMajor` channel o * s² + dy * s + dx.
    func subpixelWeights(_ name: String, factor s: Int, out: Int, inC: Int, channelMajor: Bool = false) -> ([Float], [Float]) {
        let subs = s * s
        let wd = weights["\(name).weight"], bias = weights["\(name).bias"]
        var w1 = [Float](repeating: 0, count: subs * out * inC)
        var b1 = [Float](repeating: 0, count: subs * out)
        for sub in 0..<subs {
            for o in 0..<out {
                let channel = channelMajor ? o * subs + sub : sub * out + o
                b1[channel] = bias[o]
                for i in 0..<inC { w1[channel * inC + i] = wd[(i * out + o) * subs + sub] }
            }
        }
        return (w1, b1)
    }

    /// A 1x1 convolution's PyTorch weights ([out][in]) in the two layouts the fused C kernels read:
    /// [in][out] floats for float maps, and bf16 pairs [in / 2][out][2] (input channels 2j, 2j + 1
    /// side by side, as the dot-product instruction takes them) for bf16 maps. Kept by the plan.
    func kernelLayouts(_ weights: [Float], out: Int, in inC: Int) -> (inOut: Pinned<Float>, pairs: Pinned<UInt16>) {
        let inOut = Pinned<Float>(count: inC * out), pairs = Pinned<UInt16>(count: inC * out)
        for o in 0..<out {
            for i in 0..<inC {
                inOut[i * out + o] = weights[o * inC + i]
                pairs[((i / 2) * out + o) * 2 + i % 2] = bfloat16Bits(weights[o * inC + i])
            }
        }
        keep += [inOut, pairs]
        return (inOut, pairs)
    }

    /// bfloat16 bits of `f`, rounded to nearest even (as oneDNN converts).
    func bfloat16Bits(_ f: Float) -> UInt16 {
        let u = f.bitPattern
        return UInt16(truncatingIfNeeded: (u &+ 0x7fff &+ ((u >> 16) & 1)) >> 16)
    }

    // MARK: - Layer builders

    /// A convolution from `weights[name.weight]` (PyTorch O,I,KH,KW), zero padding k/2. The
    /// destination is `dst` when given, else a new memory in `dstDesc` or in oneDNN's chosen layout.
    @discardableResult
    func conv(_ name: String, src: DNNLMemory, out: Int, k: Int, stride: Int, groups: Int = 1,
              padding: (left: Int, bottom: Int, right: Int)? = nil, post: [PostOps.Op] = [],
              postSources: [DNNLMemory] = [], dst: DNNLMemory? = nil, dstDesc: MemoryDesc? = nil,
              weights wOverride: [Float]? = nil, bias bOverride: [Float]? = nil,
              into list: inout [any PlanStep]) throws -> DNNLMemory {
        let inC = Int(src.desc.dims.1)
        let inH = Int(src.desc.dims.2), inW = Int(src.desc.dims.3)
        // Symmetric k/2 zero padding, or 0 on the left/top and the given amounts bottom/right.
        let padL = padding?.left ?? k / 2
        let padB = padding?.bottom ?? k / 2, padR = padding?.right ?? k / 2
        let oh = (inH + padL + padB - k) / stride + 1, ow = (inW + padL + padR - k) / stride + 1
        let wDims = groups == 1 ? [out, inC, k, k] : [groups, out / groups, inC / groups, k, k]
        var srcMD = src.desc
        var wAny = try memoryDesc(wDims, dt, dnnl_format_tag_any)
        var bMD = try memoryDesc([out], dnnl_f32, dnnl_x)
        var dMD = try dst?.desc ?? dstDesc ?? memoryDesc([1, out, oh, ow], dt, dnnl_format_tag_any)
        var desc = dnnl_convolution_desc_t()
        let strides: [dnnl_dim_t] = [dnnl_dim_t(stride), dnnl_dim_t(stride)]
        let padLeft: [dnnl_dim_t] = [dnnl_dim_t(padL), dnnl_dim_t(padL)]
        let padRight: [dnnl_dim_t] = [dnnl_dim_t(padB), dnnl_dim_t(padR)]
        try check(dnnl_convolution_forward_desc_init(&desc, dnnl_forward_inference, dnnl_convolution_direct, &srcMD, &wAny,
                                                     &bMD, &dMD, strides, padLeft, padRight), "convolution \(name)")
        let prim = try create(name, &desc, PostOps(post))
        let dstMem = try dst ?? DNNLMemory(prim.query(dnnl_query_dst_md), ctx)
        let wMem = try loadWeights(wOverride ?? weights["\(name).weight"], dims: wDims,
                                   tag: groups == 1 ? dnnl_oihw : dnnl_goihw, to: prim.query(dnnl_query_weights_md))
        let bMem = try userMemory(bOverride ?? weights["\(name).bias"], bMD)
        prim.args = [arg(DNNL_ARG_SRC, src), arg(DNNL_ARG_WEIGHTS, wMem), arg(DNNL_ARG_BIAS, bMem), arg(DNNL_ARG_DST, dstMem)]
        addPostSources(prim, PostOps(post), postSources)
        keep += [dstMem, wMem, bMem]
        list.append(prim)
        return dstMem
    }

    /// Phase A's whole-frame context (architecture version 2): h = relu(h + W mean(h) + b), the
    /// channel means over the whole quarter-scale map `h` (channels-last, updated in place). Two C
    /// passes: the means and the 16x16 product (one thread; microseconds), then the add, by rows.
    func wholeFrameContext(_ h: DNNLMemory, into list: inout [any PlanStep]) throws {
        precondition(layoutName(h.desc) == "acdb", "the whole-frame context reads channels-last memory")
        let C = Int(h.desc.dims.1), H = Int(h.desc.dims.2), W = Int(h.desc.dims.3)
        let (weight, bias) = (weights["a_global.weight"], weights["a_global.bias"])  // (C, C, 1, 1), (C)
        let add = Pinned<Float>(count: C)
        keep.append(add)
        let (state, bf16) = (context, Int32(dt == dnnl_bf16 ? 1 : 0))
        list.append(KernelStep(name: "a_global.mean", layouts: "acdb (channel means, 1x1)", rows: 1, threads: 1) { _, _ in
            if let r = state.sumRegion {
                var sums = [Double](repeating: 0, count: C)
                guard sckd_ldfc_channel_sums(h.pointer, bf16, Int32(C), Int32(W), Int32(r.y), Int32(r.y + r.height),
                                             Int32(r.x), Int32(r.x + r.width), &sums) == 0 else { return -1 }
                state.regionSums = sums
            }
            var mean = state.givenMean ?? []
            if mean.isEmpty {
                var sums = [Double](repeating: 0, count: C)
                guard sckd_ldfc_channel_sums(h.pointer, bf16, Int32(C), Int32(W), 0, Int32(H), 0, Int32(W), &sums) == 0 else { return -1 }
                mean = sums.map { Float($0 / Double(H * W)) }
            }
            precondition(mean.count == C, "a frame mean of \(mean.count) channels for \(C)")
            for o in 0..<C {
                var v = bias[o]
                for i in 0..<C { v += weight[o * C + i] * mean[i] }
                add[o] = v
            }
            return 0
        })
        list.append(KernelStep(name: "a_global.add", layouts: "acdb in place (sum, relu)", rows: H, threads: threads) { begin, end in
            sckd_ldfc_add_relu_channels(h.pointer, bf16, Int32(C), add.pointer, begin * W, end * W)
            return 0
        })
    }

    /// relu(h + pw(relu(dw(h)))), updating `h` in place.
    func dsBlock(_ name: String, _ h: DNNLMemory, into list: inout [any PlanStep]) throws {
        let c = Int(h.desc.dims.1)
        let t = try conv("\(name).dw", src: h, out: c, k: 3, stride: 1, groups: c, post: [.relu], dstDesc: h.desc, into: &list)
        try conv("\(name).pw", src: t, out: c, k: 1, stride: 1, post: [.sum, .relu], dst: h, into: &list)
    }

    /// `count` depthwise-separable blocks `prefix.i` on `h`; returns the memory holding the result.
    /// Where the layout and the CPU allow, all of them are one C pass (depth first) from `h` into a
    /// second buffer, and a `tail` 1x1 convolution (weights [out][in], out = in channels) can ride
    /// along, writing `tail.out` (`tailDone`); else two primitives per block, in place.
    func dsBlocks(_ prefix: String, count: Int, _ h: DNNLMemory,
                  tail: (name: String, weights: [Float], bias: [Float], out: DNNLMemory)? = nil,
                  into list: inout [any PlanStep]) throws -> (result: DNNLMemory, tailDone: Bool) {
        let c = Int(h.desc.dims.1)
        guard fusedBlocks, count > 0, sckd_ldfc_ds_block_available(Int32(c), dt == dnnl_bf16 ? 1 : 0) != 0,
              let first = try channelsLastView(h) else {
            for i in 0..<count { try dsBlock("\(prefix).\(i)", h, into: &list) }
            return (h, false)
        }
        let other = try DNNLMemory(first.desc, ctx)
        keep.append(other)
        let (H, W) = (Int(h.desc.dims.2), Int(h.desc.dims.3))
        let blockWeights = Pinned<sckd_ds_weights>(count: count)
        keep.append(blockWeights)
        for i in 0..<count {
            let name = "\(prefix).\(i)"
            let dw = weights["\(name).dw.weight"], pw = weights["\(name).pw.weight"]  // (C, 1, 3, 3), (C, C, 1, 1)
            let dwTaps = Pinned<Float>(count: 9 * c)
            let dwBias = Pinned(weights["\(name).dw.bias"]), pwBias = Pinned(weights["\(name).pw.bias"])
            for ch in 0..<c { for tap in 0..<9 { dwTaps[tap * c + ch] = dw[ch * 9 + tap] } }
            let (pwInOut, pwPairs) = kernelLayouts(pw, out: c, in: c)
            keep += [dwTaps, dwBias, pwBias]
            blockWeights[i] = sckd_ds_weights(dw_w: dwTaps.pointer, dw_b: dwBias.pointer, pw_w: pwInOut.pointer,
                                              pw_b: pwBias.pointer, pw_pairs: pwPairs.pointer)
        }
        let tailConv = Pinned<sckd_conv1x1>(count: 1)
        keep.append(tailConv)
        if let tail {
            precondition(tail.weights.count == c * c && tail.bias.count == c, "a fused tail keeps the channel count")
            let (inOut, pairs) = kernelLayouts(tail.weights, out: c, in: c)
            let bias = Pinned(tail.bias)
            keep.append(bias)
            tailConv[0] = sckd_conv1x1(w: inOut.pointer, bias: bias.pointer, w_pairs: pairs.pointer,
                                       out: tail.out.pointer.assumingMemoryBound(to: Float.self))
        }
        let (src, dst, bf16, hasTail) = (first, other, Int32(dt == dnnl_bf16 ? 1 : 0), tail != nil)
        let name = tail.map { "\(prefix)+\($0.name)" } ?? prefix
        list.append(KernelStep(name: name, layouts: "acdb -> acdb (\(count) x dw+pw fused, depth first\(hasTail ? ", 1x1 tail" : ""))",
                               rows: H, threads: threads) { begin, end in
            sckd_ldfc_ds_blocks(src.pointer, dst.pointer, bf16, Int32(c), Int32(H), Int32(W), Int32(count),
                                blockWeights.pointer, hasTail ? tailConv.pointer : nil, Int32(begin), Int32(end))
        })
        return (other, hasTail)
    }

    /// `m` described as channels-last (acdb), sharing its data, when its layout already is that:
    /// acdb itself, or 16-channel blocks of exactly 16 channels. nil otherwise.
    func channelsLastView(_ m: DNNLMemory) throws -> DNNLMemory? {
        let layout = layoutName(m.desc)
        if layout == "acdb" { return m }
        guard layout == "aBcd16b", m.desc.dims.1 == 16, m.desc.dims.0 == 1 else { return nil }
        let view = try DNNLMemory(try memoryDesc([1, 16, Int(m.desc.dims.2), Int(m.desc.dims.3)], m.desc.data_type, dnnl_acdb),
                                  ctx, allocate: false)
        try view.bind(m.pointer)
        keep.append(view)
        return view
    }

    /// relu(h + c2(relu(c1(h)))), updating `h` in place.
    func resBlock(_ name: String, _ h: DNNLMemory, into list: inout [any PlanStep]) throws {
        let c = Int(h.desc.dims.1)
        let t = try conv("\(name).c1", src: h, out: c, k: 3, stride: 1, post: [.relu], dstDesc: h.desc, into: &list)
        try conv("\(name).c2", src: t, out: c, k: 3, stride: 1, post: [.sum, .relu], dst: h, into: &list)
    }

    /// dst (+)= crop(transposed conv k = s = factor (src)), as a 1x1 convolution to factor² x out
    /// channels at low resolution (one group of `out` per output sub-position dy, dx) and one
    /// strided copy per sub-position that scatters its group to every factor-th row and column of
    /// `dst` (adding, with a sum post-op, when `accumulate`). oneDNN's own transposed convolution
    /// ran ~40x slower here. Both are channels-last.
    func subpixelUp(_ name: String, factor s: Int, src: DNNLMemory, dst: DNNLMemory, accumulate: Bool,
                    into list: inout [any PlanStep]) throws {
        let inC = Int(src.desc.dims.1), out = Int(dst.desc.dims.1)
        let ih = Int(src.desc.dims.2), iw = Int(src.desc.dims.3)
        let H = Int(dst.desc.dims.2), W = Int(dst.desc.dims.3)
        let subs = s * s
        let (w1, b1) = subpixelWeights(name, factor: s, out: out, inC: inC)
        let u = try conv(name, src: src, out: subs * out, k: 1, stride: 1,
                         dstDesc: try memoryDesc([1, subs * out, ih, iw], dt, dnnl_acdb), weights: w1, bias: b1, into: &list)
        precondition(layoutName(dst.desc) == "acdb", "subpixelUp scatters into channels-last memory")
        let dstStrides = [H * W * out, 1, W * out, out]  // element strides of dst for (n, c, h, w)
        for dy in 0..<s {
            for dx in 0..<s {
                let sh = (H - dy + s - 1) / s, sw = (W - dx + s - 1) / s
                guard sh > 0, sw > 0 else { continue }
                let dims: [dnnl_dim_t] = [1, dnnl_dim_t(out), dnnl_dim_t(sh), dnnl_dim_t(sw)]
                var from = dnnl_memory_desc_t(), to = dnnl_memory_desc_t()
                let fromStrides: [dnnl_dim_t] = [dnnl_dim_t(ih * iw * subs * out), 1, dnnl_dim_t(iw * subs * out), dnnl_dim_t(subs * out)]
                let toStrides: [dnnl_dim_t] = [dnnl_dim_t(dstStrides[0]), dnnl_dim_t(dstStrides[1]),
                                               dnnl_dim_t(s * dstStrides[2]), dnnl_dim_t(s * dstStrides[3])]
                try check(dnnl_memory_desc_init_by_strides(&from, 4, dims, u.desc.data_type, fromStrides), "view \(name)")
                try check(dnnl_memory_desc_init_by_strides(&to, 4, dims, dst.desc.data_type, toStrides), "view \(name)")
                from.offset0 = dnnl_dim_t((dy * s + dx) * out)
                to.offset0 = dnnl_dim_t(dy * dstStrides[2] + dx * dstStrides[3])
                let fromView = try DNNLMemory(from, ctx, allocate: false), toView = try DNNLMemory(to, ctx, allocate: false)
                try fromView.bind(u.pointer)
                try toView.bind(dst.pointer)
                keep += [fromView, toView]
                try reorder("\(name).shuffle\(dy)\(dx)", from: fromView, to: toView, accumulate: accumulate, into: &list)
            }
        }
    }


    func binary(_ name: String, _ alg: dnnl_alg_kind_t, output: DNNLMemory, src0: DNNLMemory, src1: DNNLMemory,
                post: [PostOps.Op], postSources: [DNNLMemory] = [], into list: inout [any PlanStep]) throws {
        var a = src0.desc, b = src1.desc, d = output.desc
        var desc = dnnl_binary_desc_t()
        try check(dnnl_binary_desc_init(&desc, alg, &a, &b, &d), "binary \(name)")
        let ops = PostOps(post)
        let prim = try create(name, &desc, ops)
        prim.args = [arg(DNNL_ARG_SRC_0, src0), arg(DNNL_ARG_SRC_1, src1), arg(DNNL_ARG_DST, output)]
        addPostSources(prim, ops, postSources)
        list.append(prim)
    }

    /// Bilinear x`factor` with half-pixel centres (PyTorch's align_corners=False) and the scale
    /// fixed, cropped to the destination: pixel p samples (p + 0.5) / factor - 0.5 whatever the
    /// frame size. oneDNN derives the scale from the sizes, so the full x`factor` result goes to a
    /// planar scratch buffer and a reorder from a cropping view writes the destination (3 planes).
    func resample(_ name: String, factor: Int, src: DNNLMemory, dst: DNNLMemory, into list: inout [any PlanStep]) throws {
        let c = Int(src.desc.dims.1), sh = Int(src.desc.dims.2), sw = Int(src.desc.dims.3)
        let dh = Int(dst.desc.dims.2), dw = Int(dst.desc.dims.3)
        let scratch = try DNNLMemory(try memoryDesc([1, c, factor * sh, factor * sw], dnnl_f32, dnnl_nchw), ctx)
        keep.append(scratch)
        var s = src.desc, d = scratch.desc
        var desc = dnnl_resampling_desc_t()
        try check(dnnl_resampling_forward_desc_init(&desc, dnnl_forward_inference, dnnl_resampling_linear, nil, &s, &d),
                  "resampling \(name)")
        let prim = try create(name, &desc, PostOps())
        prim.args = [arg(DNNL_ARG_SRC, src), arg(DNNL_ARG_DST, scratch)]
        list.append(prim)
        var view = dnnl_memory_desc_t()
        var parent = scratch.desc
        let dims: [dnnl_dim_t] = [1, dnnl_dim_t(c), dnnl_dim_t(dh), dnnl_dim_t(dw)], offsets: [dnnl_dim_t] = [0, 0, 0, 0]
        try check(dnnl_memory_desc_init_submemory(&view, &parent, dims, offsets), "submemory \(name)")
        let viewMemory = try DNNLMemory(view, ctx, allocate: false)
        try viewMemory.bind(scratch.pointer)
        keep.append(viewMemory)
        try reorder("\(name).crop", from: viewMemory, to: dst, into: &list)
    }

    /// A layout change; with `accumulate`, the destination is added to (sum post-op).
    func reorder(_ name: String, from: DNNLMemory, to: DNNLMemory, accumulate: Bool = false,
                 into list: inout [any PlanStep]) throws {
        var s = from.desc, d = to.desc
        var pd: dnnl_primitive_desc_t?
        let attr = try PostOps(accumulate ? [.sum] : []).makeAttr()
        defer { if let attr { dnnl_primitive_attr_destroy(attr) } }
        try check(dnnl_reorder_primitive_desc_create(&pd, &s, ctx.engine, &d, ctx.engine, attr), "reorder \(name)")
        let prim = try DNNLPrimitive(name: name, pd: pd!)
        prim.args = [arg(DNNL_ARG_FROM, from), arg(DNNL_ARG_TO, to)]
        list.append(prim)
    }


    // MARK: - Plumbing

    private func create<Desc>(_ name: String, _ desc: inout Desc, _ post: PostOps) throws -> DNNLPrimitive {
        let attr = try post.makeAttr()
        defer { if let attr { dnnl_primitive_attr_destroy(attr) } }
        var pd: dnnl_primitive_desc_t?
        try withUnsafePointer(to: &desc) { p in
            try check(dnnl_primitive_desc_create(&pd, UnsafeRawPointer(p), attr, ctx.engine, nil), "primitive_desc_create \(name)")
        }
        return try DNNLPrimitive(name: name, pd: pd!)
    }

    private func addPostSources(_ prim: DNNLPrimitive, _ ops: PostOps, _ sources: [DNNLMemory]) {
        for (index, memory) in zip(ops.binaryIndices, sources) {
            prim.args.append(arg(sckd_dnnl_arg_post_op_src1(Int32(index)), memory))
        }
    }

    /// Copies PyTorch-layout floats into the layout a primitive wants (a reorder, once).
    private func loadWeights(_ values: [Float], dims: [Int], tag: dnnl_format_tag_t, to target: MemoryDesc) throws -> DNNLMemory {
        let user = try userMemory(values, try memoryDesc(dims, dnnl_f32, tag))
        let dst = try DNNLMemory(target, ctx)
        var s = user.desc, d = target
        var pd: dnnl_primitive_desc_t?
        try check(dnnl_reorder_primitive_desc_create(&pd, &s, ctx.engine, &d, ctx.engine, nil), "reorder weights")
        let r = try DNNLPrimitive(name: "reorder", pd: pd!)
        r.args = [arg(DNNL_ARG_FROM, user), arg(DNNL_ARG_TO, dst)]
        try r.execute(ctx)
        try check(dnnl_stream_wait(ctx.stream), "stream_wait")
        return dst
    }

    private func userMemory(_ values: [Float], _ md: MemoryDesc) throws -> DNNLMemory {
        let m = try DNNLMemory(md, ctx)
        precondition(m.byteCount == values.count * 4, "tensor size \(values.count) vs descriptor \(m.byteCount / 4)")
        values.withUnsafeBytes { m.pointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        return m
    }

    private func arg(_ index: Int32, _ m: DNNLMemory) -> dnnl_exec_arg_t { dnnl_exec_arg_t(arg: index, memory: m.handle) }
}
