import CDNNL
import CSCKDModelKernels
import SCKDCore

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
    /// transposed convolution is many times faster than the blocked-layout one (`sckd bench
    /// --profile` shows it).
    static let featureLayout = dnnl_acdb
    let w: Int, h: Int, w2: Int, h2: Int, w4: Int, h4: Int
    var phaseA: [any PlanStep] = []
    var phaseB: [any PlanStep] = []
    let inputA: DNNLMemory
    let illuminationOut: DNNLMemory
    let inputB: DNNLMemory
    let illuminationIn: DNNLMemory
    let output: DNNLMemory
    var keep: [AnyObject] = []  // weight memories and intermediates, alive as long as the plan
    let ctx: DNNLContext
    let weights: LDFCNetWeights
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

        try buildPhaseA()
        let (features, bodyMap) = try buildBodyInput()
        try buildBodyAndResidual(features: features, body: bodyMap)
    }

    /// Phase A: the picture at a quarter of the resolution, its depthwise-separable blocks, the
    /// whole-frame context, and the illumination head into `illuminationOut`.
    private func buildPhaseA() throws {
        let cfg = weights.config
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
            // Three output channels leave oneDNN's vectorised kernels (many times the arithmetic's time):
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
    }

    /// Phase B's input: E and L_up from the picture and the map, and the LISC body's first
    /// feature map calibrated by the illumination (LGC). Returns the full-resolution features
    /// (quality model; nil for the real-time one) and the body's feature map.
    private func buildBodyInput() throws -> (features: DNNLMemory?, body: DNNLMemory) {
        let cfg = weights.config
        // Phase B, LGC: one fused pass computes L_up, the coarse enhancement E = min(x / L_up, 1)
        // (written straight into the output buffer, where the residual is added at the end) and
        // the input of the trainable part, (x, E, L_up): channels-last for the quality model's
        // full-resolution convolution, space-to-depth by 4 for the real-time model, whose 4x4
        // stride-4 convolution then is a 1x1 convolution (a plain matrix product).
        //
        // LISC body, at 1/2 resolution behind full-resolution features (quality) or at 1/4 straight
        // from the input (real time), calibrated there by the illumination (LGC: scale, with the
        // "1 +" folded into its bias, and shift).
        let quarter = cfg.bodyAtQuarter
        let (bw, bh) = quarter ? (w4, h4) : (w2, h2)
        let bodyDesc = try memoryDesc([1, cfg.lCh, bh, bw], dt, Plan.featureLayout)
        // LGC's calibration, g * (1 + scale(L)) + shift(L), as one C pass over g (or in the
        // epilogue of the fused body input): as two 1x1 convolutions (3 -> 48) and a binary
        // primitive it read and wrote g's size three times. (Fusing it into l_down as binary
        // post-ops was measured: no faster for the quality model, slower for the real-time one,
        // whose 1x1 then leaves the brgemm kernel.)
        let calibration = calibrationTable(channels: cfg.lCh)
        let bf16 = Int32(dt == dnnl_bf16 ? 1 : 0)
        if quarter, fusedBlocks, sckd_ldfc_ds_block_available(Int32(cfg.lCh), bf16) != 0 {
            return (nil, try buildFusedQuarterBodyInput(bodyDesc, calibration: calibration))
        }
        return try buildStepwiseBodyInput(bodyDesc, calibration: calibration, size: (bw, bh))
    }

    /// Real time, fused: prepare, l_down and the calibration one quarter row at a time
    /// (sckd_ldfc_body_input); the 144-channel space-to-depth map never leaves the cache.
    private func buildFusedQuarterBodyInput(_ bodyDesc: dnnl_memory_desc_t, calibration: [Float]) throws -> DNNLMemory {
        let C = weights.config.lCh
        let (inB, illB, outB) = (inputB, illuminationIn, output)
        let (fw, fh, bf16) = (Int32(w), Int32(h), Int32(dt == dnnl_bf16 ? 1 : 0))
        let body = try DNNLMemory(bodyDesc, ctx)
        keep.append(body)
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
        return body
    }

    /// The same as oneDNN primitives and C passes, one after another: prepare, the trainable
    /// input's convolutions (f_in and l_down, or l_down alone), the illumination brought to the
    /// body's resolution, and the calibration.
    private func buildStepwiseBodyInput(_ bodyDesc: dnnl_memory_desc_t, calibration: [Float],
                                        size: (w: Int, h: Int)) throws -> (features: DNNLMemory?, body: DNNLMemory) {
        let cfg = weights.config
        let quarter = cfg.bodyAtQuarter, C = cfg.lCh
        let (inB, illB, outB) = (inputB, illuminationIn, output)
        let (fw, fh, bf16) = (Int32(w), Int32(h), Int32(dt == dnnl_bf16 ? 1 : 0))
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
        let lBody = try DNNLMemory(try memoryDesc([1, 3, size.h, size.w], dt, Plan.featureLayout), ctx)
        keep.append(lBody)
        var f: DNNLMemory?
        let g: DNNLMemory
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
        let (gMem, lMem, rowPixels) = (g, lBody, size.w)
        phaseB.append(KernelStep(name: "calibrate", layouts: "g acdb  L acdb", rows: size.h, threads: threads) { begin, end in
            calibration.withUnsafeBufferPointer { p in
                let b = p.baseAddress!
                sckd_ldfc_calibrate(gMem.pointer, lMem.pointer, bf16, Int32(C), b, b + 3 * C, b + 4 * C, b + 7 * C,
                                    begin * rowPixels, end * rowPixels)
            }
            return 0
        })
        return (f, g)
    }

    /// l_mod's 1x1 convolutions (2 C, 3) as the calibration pass reads them, one buffer:
    /// Ws [3][C] | s_bias [C] | Wt [3][C] | t_bias [C], with the scale's "1 +" in s_bias.
    private func calibrationTable(channels C: Int) -> [Float] {
        let mod = weights["l_mod.weight"], modBias = weights["l_mod.bias"]  // (2 C, 3, 1, 1)
        var calibration = [Float](repeating: 0, count: 8 * C)
        for n in 0..<C {
            for c in 0..<3 {
                calibration[c * C + n] = mod[n * 3 + c]
                calibration[4 * C + c * C + n] = mod[(C + n) * 3 + c]
            }
            calibration[3 * C + n] = modBias[n] + 1
            calibration[7 * C + n] = modBias[C + n]
        }
        return calibration
    }

    /// The LISC body's blocks, then the residual that E + residual, clamped, makes the output:
    /// back up through the full-resolution refinement (quality) or a sub-pixel step (real time).
    private func buildBodyAndResidual(features f: DNNLMemory?, body bodyMap: DNNLMemory) throws {
        let cfg = weights.config
        var g = bodyMap
        let (outB, fw, fh) = (output, Int32(w), Int32(h))
        let full3 = try memoryDesc([1, 3, h, w], dnnl_f32, dnnl_nchw)
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
            if fusedBlocks {
                // A convolution to 3 channels leaves oneDNN's vectorised kernels (on AVX2 it runs
                // the reference one); as a C pass it also takes the planar reorder and the add.
                let weightsOut = Pinned(weights["f_out.weight"]), biasOut = Pinned(weights["f_out.bias"])
                keep += [weightsOut, biasOut]
                let (C, bf16) = (Int32(cfg.fCh), Int32(dt == dnnl_bf16 ? 1 : 0))
                phaseB.append(KernelStep(name: "f_out+output", layouts: "src acdb  dst abcd (fused add, clamp)", rows: h,
                                         threads: threads) { begin, end in
                    sckd_ldfc_output_1x1(f.pointer, bf16, C, weightsOut.pointer, biasOut.pointer,
                                         outB.pointer.assumingMemoryBound(to: Float.self), fh, fw, Int32(begin), Int32(end))
                })
            } else {
                let blocked = try conv("f_out", src: f, out: 3, k: 1, stride: 1, into: &phaseB)
                let residual = try DNNLMemory(full3, ctx)
                keep.append(residual)
                try reorder("f_out.planar", from: blocked, to: residual, into: &phaseB)
                try binary("output", dnnl_binary_add, output: output, src0: residual, src1: output,
                           post: [.clip(lower: 0, upper: 1)], into: &phaseB)
            }
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
}
