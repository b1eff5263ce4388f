import CDNNL
import CSCKDModelKernels
import SCKDCore

/// The graph-building vocabulary of a plan: oneDNN primitives and fused C passes, each appended as
/// a step to a phase.
extension Plan {
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
