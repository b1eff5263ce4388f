import CDNNL
import Dispatch

/// A oneDNN call that failed: which call and oneDNN's status.
public struct DNNLError: Error, CustomStringConvertible {
    public let call: String
    public let status: dnnl_status_t
    public var description: String { "oneDNN \(call) failed: \(String(cString: dnnl_status2str(status)))" }
}

@inline(__always)
func check(_ status: dnnl_status_t, _ call: @autoclosure () -> String) throws {
    if status != dnnl_success { throw DNNLError(call: call(), status: status) }
}

/// A CPU engine and its in-order stream. One per worker thread: Debian's oneDNN (OpenMP runtime)
/// must run primitives on the thread that created them.
final class DNNLContext {
    let engine: dnnl_engine_t
    let stream: dnnl_stream_t

    init() throws {
        var e: dnnl_engine_t?
        try check(dnnl_engine_create(&e, dnnl_cpu, 0), "engine_create")
        engine = e!
        var s: dnnl_stream_t?
        try check(dnnl_stream_create(&s, engine, dnnl_stream_default_flags.rawValue), "stream_create")
        stream = s!
    }

    deinit {
        dnnl_stream_destroy(stream)
        dnnl_engine_destroy(engine)
    }
}

/// A memory descriptor (a value type in oneDNN's C API).
typealias MemoryDesc = dnnl_memory_desc_t

func memoryDesc(_ dims: [Int], _ type: dnnl_data_type_t = dnnl_f32, _ tag: dnnl_format_tag_t) throws -> MemoryDesc {
    var md = dnnl_memory_desc_t()
    let d = dims.map { dnnl_dim_t($0) }
    try check(dnnl_memory_desc_init_by_tag(&md, Int32(d.count), d, type, tag), "memory_desc_init_by_tag \(dims)")
    return md
}

/// A oneDNN memory object. Either owns its buffer (allocated by oneDNN) or points at a caller's
/// buffer (set with `bind` before each execution: zero-copy input and output).
final class DNNLMemory {
    let handle: dnnl_memory_t
    var desc: MemoryDesc

    init(_ desc: MemoryDesc, _ ctx: DNNLContext, allocate: Bool = true) throws {
        self.desc = desc
        var m: dnnl_memory_t?
        var d = desc
        try check(dnnl_memory_create(&m, &d, ctx.engine, allocate ? sckd_dnnl_memory_allocate() : sckd_dnnl_memory_none()),
                  "memory_create")
        handle = m!
    }

    deinit { dnnl_memory_destroy(handle) }

    func bind(_ pointer: UnsafeMutableRawPointer) throws {
        try check(dnnl_memory_set_data_handle(handle, pointer), "memory_set_data_handle")
    }

    var pointer: UnsafeMutableRawPointer {
        var p: UnsafeMutableRawPointer?
        dnnl_memory_get_data_handle(handle, &p)
        return p!
    }

    var byteCount: Int {
        var d = desc
        return dnnl_memory_desc_get_size(&d)
    }
}

/// Post-operations fused into a primitive (oneDNN runs them on the result while it is in cache).
struct PostOps {
    enum Op {
        case relu
        case sigmoid
        /// alpha * x + beta
        case linear(alpha: Float, beta: Float)
        case clip(lower: Float, upper: Float)
        /// dst += result (dst must hold the addend before execution)
        case sum
        /// result (op) src1 elementwise
        case binaryAdd(MemoryDesc)
        case binaryMul(MemoryDesc)
    }

    var ops: [Op] = []

    init(_ ops: [Op] = []) { self.ops = ops }

    /// The attribute to create a primitive with (nil when there are no post-ops), caller destroys.
    func makeAttr() throws -> dnnl_primitive_attr_t? {
        guard !ops.isEmpty else { return nil }
        var attr: dnnl_primitive_attr_t?
        try check(dnnl_primitive_attr_create(&attr), "primitive_attr_create")
        var po: dnnl_post_ops_t?
        try check(dnnl_post_ops_create(&po), "post_ops_create")
        defer { dnnl_post_ops_destroy(po) }
        for op in ops {
            switch op {
            case .relu: try check(dnnl_post_ops_append_eltwise(po, 1, dnnl_eltwise_relu, 0, 0), "post-op relu")
            case .sigmoid: try check(dnnl_post_ops_append_eltwise(po, 1, dnnl_eltwise_logistic, 0, 0), "post-op logistic")
            case let .linear(a, b): try check(dnnl_post_ops_append_eltwise(po, 1, dnnl_eltwise_linear, a, b), "post-op linear")
            case let .clip(l, u): try check(dnnl_post_ops_append_eltwise(po, 1, dnnl_eltwise_clip, l, u), "post-op clip")
            case .sum: try check(dnnl_post_ops_append_sum(po, 1), "post-op sum")
            case var .binaryAdd(md): try check(dnnl_post_ops_append_binary(po, dnnl_binary_add, &md), "post-op add")
            case var .binaryMul(md): try check(dnnl_post_ops_append_binary(po, dnnl_binary_mul, &md), "post-op mul")
            }
        }
        try check(dnnl_primitive_attr_set_post_ops(attr, po), "attr_set_post_ops")
        return attr
    }

    /// Indices (in `ops`) of the binary post-ops, whose src1 is passed at execution.
    var binaryIndices: [Int] {
        ops.indices.filter {
            switch ops[$0] {
            case .binaryAdd, .binaryMul: return true
            default: return false
            }
        }
    }
}

/// One step of a plan: a oneDNN primitive or one of our fused passes.
protocol PlanStep: AnyObject {
    var name: String { get }
    /// Which code runs it ("jit:avx512_core", "ref", "sckd:c", …): for `sckd info` and for
    /// catching a slow reference fallback.
    var implementation: String { get }
    var layouts: String { get }
    func execute(_ ctx: DNNLContext) throws
}

/// A created primitive with the memories it runs on.
final class DNNLPrimitive: PlanStep {
    let name: String
    let primitive: dnnl_primitive_t
    let pd: dnnl_primitive_desc_t
    var args: [dnnl_exec_arg_t] = []

    init(name: String, pd: dnnl_primitive_desc_t) throws {
        self.name = name
        self.pd = pd
        var p: dnnl_primitive_t?
        try check(dnnl_primitive_create(&p, pd), "primitive_create \(name)")
        primitive = p!
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_primitive_desc_destroy(pd)
    }

    func query(_ what: dnnl_query_t, _ index: Int32 = 0) -> MemoryDesc {
        dnnl_primitive_desc_query_md(pd, what, index).pointee
    }

    var implementation: String {
        var s: UnsafePointer<CChar>?
        dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &s)
        return s.map { String(cString: $0) } ?? "?"
    }

    /// Source and destination layouts in oneDNN's letter notation ("src abcd  dst aBcd16b").
    var layouts: String {
        [("src", dnnl_query_src_md), ("dst", dnnl_query_dst_md)].compactMap { label, q in
            guard let md = dnnl_primitive_desc_query_md(pd, q, 0), md.pointee.ndims > 0 else { return nil }
            return "\(label) \(layoutName(md.pointee))"
        }.joined(separator: "  ")
    }

    func execute(_ ctx: DNNLContext) throws {
        try check(dnnl_primitive_execute(primitive, ctx.stream, Int32(args.count), args), "execute \(name)")
    }
}

/// A blocked memory descriptor's layout as oneDNN spells format tags: dimensions from outermost
/// to innermost (a = N, b = C, …), a blocked dimension in capitals followed by its inner blocks.
func layoutName(_ md: MemoryDesc) -> String {
    guard md.format_kind == dnnl_blocked else { return "any" }
    let n = Int(md.ndims)
    let letters = Array("abcdefghijkl")
    var m = md
    let strides = withUnsafeBytes(of: &m.format_desc.blocking.strides) { Array($0.bindMemory(to: dnnl_dim_t.self).prefix(n)) }
    let nblks = Int(md.format_desc.blocking.inner_nblks)
    let blks = withUnsafeBytes(of: &m.format_desc.blocking.inner_blks) { Array($0.bindMemory(to: dnnl_dim_t.self).prefix(nblks)) }
    let idxs = withUnsafeBytes(of: &m.format_desc.blocking.inner_idxs) { Array($0.bindMemory(to: dnnl_dim_t.self).prefix(nblks)) }
    let blocked = Set(idxs.map { Int($0) })
    let order = (0..<n).sorted { strides[$0] > strides[$1] || (strides[$0] == strides[$1] && $0 < $1) }
    var name = String(order.map { blocked.contains($0) ? Character(letters[$0].uppercased()) : letters[$0] })
    for (b, i) in zip(blks, idxs) { name += "\(b)\(letters[Int(i)])" }
    return name
}

/// A fused pass of our own (CSCKDModelKernels) over a frame in bands of quarter-resolution rows, the
/// bands split between `threads` threads. The pointers it works on are read when it runs, after the
/// plan's memories have been bound for this frame.
final class KernelStep: PlanStep {
    let name: String
    let layouts: String
    var implementation: String { "sckd:c" }
    let rows: Int
    let threads: Int
    /// Runs rows [begin, end); non-zero means out of memory.
    let body: (_ begin: Int, _ end: Int) -> Int32

    init(name: String, layouts: String, rows: Int, threads: Int, body: @escaping (Int, Int) -> Int32) {
        self.name = name
        self.layouts = layouts
        self.rows = rows
        self.threads = max(1, min(threads, rows))
        self.body = body
    }

    func execute(_ ctx: DNNLContext) throws {
        try check(dnnl_stream_wait(ctx.stream), "stream_wait")  // what the primitives before it wrote
        let n = threads, rows = self.rows, body = self.body
        if n == 1 {
            if body(0, rows) != 0 { throw DNNLError(call: name, status: dnnl_out_of_memory) }
            return
        }
        let failures = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        defer { failures.deallocate() }
        DispatchQueue.concurrentPerform(iterations: n) { i in
            failures[i] = body(rows * i / n, rows * (i + 1) / n)
        }
        if (0..<n).contains(where: { failures[$0] != 0 }) { throw DNNLError(call: name, status: dnnl_out_of_memory) }
    }
}

/// A buffer at a fixed address for as long as the object lives (C kernels keep pointers to
/// weights laid out for them, across executions).
final class Pinned<Element> {
    let pointer: UnsafeMutablePointer<Element>
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = UnsafeMutablePointer<Element>.allocate(capacity: max(1, count))
    }

    convenience init(_ values: [Element]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.initialize(from: $0.baseAddress!, count: values.count) }
    }

    subscript(i: Int) -> Element {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }

    deinit { pointer.deallocate() }
}
