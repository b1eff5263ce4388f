import CDNNL
import Foundation

/// The machine's practical convolution peak, measured the same way the network runs: one large
/// 3x3 convolution (64 -> 64 channels at 256x256, in the layout oneDNN picks for this CPU, blocked by
/// 16 channels with AVX-512 and by 8 with AVX2) through oneDNN on the calling
/// thread's OpenMP team, in the network's precision. Network time is judged against FLOPs / this rate (the roofline row).
public enum ConvolutionCeiling {
    /// Median GFLOP/s over `runs` after a warm-up.
    public static func measure(threads: Int, precision: Precision = .fp32, runs: Int = 7) throws -> Double {
        let dt = precision == .bf16 ? dnnl_bf16 : dnnl_f32
        let ctx = try DNNLContext()
        omp_set_num_threads(Int32(threads))
        let c = 64, s = 256
        var src = try memoryDesc([1, c, s, s], dt, dnnl_format_tag_any)
        var wts = try memoryDesc([c, c, 3, 3], dt, dnnl_format_tag_any)
        var bias = try memoryDesc([c], dnnl_f32, dnnl_x)
        var dst = try memoryDesc([1, c, s, s], dt, dnnl_format_tag_any)
        var desc = dnnl_convolution_desc_t()
        let one: [dnnl_dim_t] = [1, 1]
        try check(dnnl_convolution_forward_desc_init(&desc, dnnl_forward_inference, dnnl_convolution_direct, &src, &wts,
                                                     &bias, &dst, one, one, one), "ceiling convolution")
        var pd: dnnl_primitive_desc_t?
        try withUnsafePointer(to: &desc) { p in
            try check(dnnl_primitive_desc_create(&pd, UnsafeRawPointer(p), nil, ctx.engine, nil), "ceiling pd")
        }
        let prim = try DNNLPrimitive(name: "ceiling", pd: pd!)
        let srcM = try DNNLMemory(prim.query(dnnl_query_src_md), ctx), dstM = try DNNLMemory(prim.query(dnnl_query_dst_md), ctx)
        let biasM = try DNNLMemory(bias, ctx)
        let wM = try DNNLMemory(prim.query(dnnl_query_weights_md), ctx)
        for m in [srcM, wM, biasM] { memset(m.pointer, 0, m.byteCount) }
        prim.args = [dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: srcM.handle), dnnl_exec_arg_t(arg: DNNL_ARG_WEIGHTS, memory: wM.handle),
                     dnnl_exec_arg_t(arg: DNNL_ARG_BIAS, memory: biasM.handle), dnnl_exec_arg_t(arg: DNNL_ARG_DST, memory: dstM.handle)]
        let flops = 2.0 * Double(c * c * 9 * s * s)
        var times: [Double] = []
        for i in 0..<(runs + 2) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try prim.execute(ctx)
            try check(dnnl_stream_wait(ctx.stream), "stream_wait")
            if i >= 2 { times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9) }
        }
        times.sort()
        return flops / times[times.count / 2] / 1e9
    }
}
