import Foundation
import SCKDCore
import SCKDSystem

/// What a source yields: a picture to enhance (with its presentation timestamp), a picture that
/// only primes the temporal smoothing (analysed and smoothed, so that the frames after it are
/// smoothed as in a run that started earlier, but never written; with `primesLevel` also enhanced,
/// for the output level's moving average, whose memory is far shorter than the smoother's: the
/// last half second of a warm-up is enough), or something to pass through untouched (a copied
/// audio packet).
public enum SourceEvent<Picture, Passthrough> {
    case picture(Picture, pts: Int64)
    case warmUp(Picture, pts: Int64, primesLevel: Bool)
    case passthrough(Passthrough)
}

/// Per-thread work: the enhancer and the conversions around it. Made on the thread that uses it
/// (oneDNN primitives must run where they were created).
public struct PipelineWorker<Picture, Encoded> {
    public let toImage: (Picture) throws -> PlanarImage
    public let enhancer: FrameEnhancer
    /// (input picture, enhanced picture) -> what the sink writes.
    public let encode: (PlanarImage, PlanarImage) throws -> Encoded

    public init(toImage: @escaping (Picture) throws -> PlanarImage, enhancer: FrameEnhancer,
                encode: @escaping (PlanarImage, PlanarImage) throws -> Encoded) {
        self.toImage = toImage
        self.enhancer = enhancer
        self.encode = encode
    }
}

public struct PipelineConfiguration: Sendable {
    /// Worker threads in each of the two network pools.
    public var workers: Int
    /// Frames each inter-stage queue holds.
    public var queueCapacity: Int
    /// `.block` for files, `.dropOldest` for live sources.
    public var policy: OverflowPolicy
    /// Temporal smoothing strength, 0 (per-frame) … 1.
    public var smoothing: Float
    /// The enhancer's `exposureExponent`.
    public var exposureExponent: Float = 1
    /// The enhancer's `stabilisesInputExposure`.
    public var stabiliseInput = false
    /// Whether smoothing also steadies the output's level (`OutputLevelStabiliser`): not for an
    /// enhancer that passes the picture through.
    public var steadyOutputLevel = true

    /// Takes the enhancer's exposure behaviour (what temporal smoothing needs to know of it).
    public mutating func adopt(_ enhancer: FrameEnhancer) {
        exposureExponent = enhancer.exposureExponent
        stabiliseInput = enhancer.stabilisesInputExposure
        steadyOutputLevel = !enhancer.passesPictureThrough
    }

    /// The configuration for `probe`'s kind of enhancer on this machine: workers and their threads
    /// from the core count unless the user chose them, and the enhancer's exposure behaviour.
    /// Also returns the threads each worker's own enhancer should use.
    public static func planned(for probe: FrameEnhancer, workers: Int? = nil, networkThreads: Int? = nil,
                               queueCapacity: Int, policy: OverflowPolicy, smoothing: Float)
        -> (configuration: PipelineConfiguration, threadsPerWorker: Int) {
        let plan = ThreadPlan(cores: availableCores, workers: workers, networkThreads: networkThreads)
        var configuration = PipelineConfiguration(workers: plan.workers, queueCapacity: queueCapacity, policy: policy,
                                                  smoothing: smoothing)
        configuration.adopt(probe)
        return (configuration, plan.threadsPerWorker)
    }

    public init(workers: Int = 1, queueCapacity: Int = 4, policy: OverflowPolicy = .block, smoothing: Float = 0.8) {
        self.workers = max(1, workers)
        self.queueCapacity = max(1, queueCapacity)
        self.policy = policy
        self.smoothing = smoothing
    }
}

/// Milliseconds per frame spent in each stage, queue occupancy and drops (`--stats`).
public struct PipelineStats: Sendable {
    public var frames = 0
    public var dropped = 0
    public var stageMilliseconds: [String: Double] = [:]
    /// Every timed call of each stage, in milliseconds (for medians and tails).
    public var stageSamples: [String: [Double]] = [:]
    public var queuePeaks: [String: Int] = [:]
    public var queueMeans: [String: Double] = [:]
    /// Most frames held at once by each pool and the reordering after it.
    public var framesInFlightPeaks: [String: Int] = [:]
    public var sceneCuts = 0
    public var exposureSteps = 0
    /// CPU time of the whole process during the run (every thread: the stages, and the decoder's,
    /// encoder's and OpenMP's own threads), in milliseconds. Divided by the frames, it bounds the
    /// frame rate: at most cores x 1000 / (cpu per frame) fps.
    public var processCPUMilliseconds = 0.0

    public var cpuPerFrame: Double { frames > 0 ? processCPUMilliseconds / Double(frames) : 0 }

    public func perFrame(_ stage: String) -> Double { frames > 0 ? (stageMilliseconds[stage] ?? 0) / Double(frames) : 0 }

    /// The q-quantile (0.5: median, 0.95: p95) of a stage's per-call times, in milliseconds.
    public func quantile(_ stage: String, _ q: Double) -> Double {
        guard let v = stageSamples[stage]?.sorted(), !v.isEmpty else { return 0 }
        return v[min(v.count - 1, Int(Double(v.count - 1) * q + 0.5))]
    }
}

/// source → convert + phase A (pool) → temporal smoothing (ordered) → phase B + convert (pool) →
/// sink, in presentation order. Threads talk only through bounded queues; every worker owns its
/// enhancer. An error anywhere stops every stage promptly and is rethrown from `run` (after the
/// sink has been told, so it can finalise what it has).
public final class EnhancePipeline<Picture, Encoded, Passthrough>: @unchecked Sendable {  // shared state behind `lock`
    typealias Source = (picture: Picture, pts: Int64, warmUp: WarmUp?)
    typealias Analysed = (image: PlanarImage, illumination: PlanarImage, cells: [Float]?, pts: Int64, warmUp: WarmUp?)
    typealias Smoothed = (sequence: Int, image: PlanarImage, illumination: PlanarImage, gain: Float, pts: Int64, warmUp: WarmUp?)
    /// A warm-up picture's part: smoothed only, or enhanced too (for the output level).
    enum WarmUp { case smoothingOnly, primingLevel }
    enum SinkItem {
        /// A frame in its place in the order; nil for a warm-up picture, which takes a place but is not written.
        case frame(Int, Encoded?, Int64)
        case passthrough(Passthrough)
    }

    let configuration: PipelineConfiguration
    let source: () throws -> SourceEvent<Picture, Passthrough>?
    let makeWorker: () throws -> PipelineWorker<Picture, Encoded>

    private let lock = NSLock()
    private var firstError: Error?
    private var stageTime: [String: Double] = [:]
    private var stageSamples: [String: [Double]] = [:]
    private var sceneCuts = 0, exposureSteps = 0
    /// Cancel every queue and in-flight limit of the run (set when it starts).
    private var cancellers: [() -> Void] = []
    /// Every thread the run started.
    private let threads = DispatchGroup()

    public init(configuration: PipelineConfiguration,
                source: @escaping () throws -> SourceEvent<Picture, Passthrough>?,
                makeWorker: @escaping () throws -> PipelineWorker<Picture, Encoded>) {
        self.configuration = configuration
        self.source = source
        self.makeWorker = makeWorker
    }

    /// Runs to the end of the source (or the first error). `writeFrame` and `writePassthrough` are
    /// called on the calling thread, frames in presentation order.
    public func run(writeFrame: (Encoded, Int64) throws -> Void,
                    writePassthrough: (Passthrough) throws -> Void,
                    onFrame: ((Int) -> Void)? = nil) throws -> PipelineStats {
        let c = configuration
        let toAnalyse = BoundedQueue<Source>(capacity: c.queueCapacity, policy: c.policy)
        let toSmooth = BoundedQueue<(Int, Analysed)>(capacity: c.queueCapacity + c.workers)
        let toEnhance = BoundedQueue<Smoothed>(capacity: c.queueCapacity)
        let toSink = BoundedQueue<SinkItem>(capacity: 1 << 16)  // passthrough packets are small; frames are bounded by `enhancing`
        // Frames between each pool and the ordered stage after it (the smoother, the sink).
        let analysing = InFlightLimit(size: c.queueCapacity + c.workers)
        let enhancing = InFlightLimit(size: c.queueCapacity + c.workers)
        let levels = InOrderTurns(OutputLevelStabiliser(strength: c.smoothing))
        lock.lock()
        cancellers = [{ toAnalyse.cancel() }, { toSmooth.cancel() }, { toEnhance.cancel() }, { toSink.cancel() },
                      { analysing.cancel() }, { enhancing.cancel() }, { levels.cancel() }]
        lock.unlock()
        let cpuAtStart = processCPUNanoseconds()

        startSource(into: toAnalyse, passthrough: toSink)
        startAnalysers(from: toAnalyse, to: toSmooth, limit: analysing)
        startSmoother(from: toSmooth, to: toEnhance, limit: analysing)
        startEnhancers(from: toEnhance, to: toSink, limit: enhancing, levels: levels)
        // Sink: this thread, frames reassembled in order.
        var inOrder = OrderedDelivery<(Encoded?, Int64)>(limit: enhancing)
        var written = 0
        do {
            while let item = toSink.pop() {
                switch item {
                case let .passthrough(x):
                    try timed("sink", { try writePassthrough(x) })
                case let .frame(n, e, pts):
                    _ = try inOrder.accept(n, (e, pts)) { _, frame in
                        guard let encoded = frame.0 else { return true }
                        try timed("sink", { try writeFrame(encoded, frame.1) })
                        written += 1
                        onFrame?(written)
                        return true
                    }
                }
            }
        } catch {
            fail(error)
        }
        threads.wait()

        lock.lock()
        let error = firstError
        var stats = PipelineStats()
        stats.frames = written
        stats.dropped = toAnalyse.dropped
        stats.stageMilliseconds = stageTime
        stats.stageSamples = stageSamples
        stats.queuePeaks = ["analyse": toAnalyse.peak, "smooth": toSmooth.peak, "enhance": toEnhance.peak]
        stats.framesInFlightPeaks = ["analysing": analysing.peak, "enhancing": enhancing.peak]
        stats.queueMeans = ["analyse": toAnalyse.meanOccupancy, "smooth": toSmooth.meanOccupancy, "enhance": toEnhance.meanOccupancy]
        stats.sceneCuts = sceneCuts
        stats.exposureSteps = exposureSteps
        stats.processCPUMilliseconds = Double(processCPUNanoseconds() - cpuAtStart) / 1e6
        lock.unlock()
        if let error { throw PipelineFailure(underlying: error, stats: stats) }
        return stats
    }

    // MARK: - Stages

    private func startSource(into toAnalyse: BoundedQueue<Source>, passthrough toSink: BoundedQueue<SinkItem>) {
        spawn("sckd-source") { [source] in
            defer { toAnalyse.close() }
            while !self.failed(), let event = try self.timed("source", { try source() }) {
                switch event {
                case let .picture(p, pts): toAnalyse.push((p, pts, nil))
                case let .warmUp(p, pts, primesLevel): toAnalyse.push((p, pts, primesLevel ? .primingLevel : .smoothingOnly))
                case let .passthrough(x): toSink.push(.passthrough(x))
                }
            }
        }
    }

    /// Convert + phase A, one thread per worker; frames leave numbered, in any order.
    private func startAnalysers(from toAnalyse: BoundedQueue<Source>, to toSmooth: BoundedQueue<(Int, Analysed)>,
                                limit analysing: InFlightLimit) {
        let c = configuration
        let analysers = DispatchGroup()
        for i in 0..<c.workers {
            analysers.enter()
            spawn("sckd-phase-a-\(i)") { [makeWorker] in
                defer { analysers.leave() }
                let worker = try makeWorker()
                while analysing.enter() {
                    guard let (n, (picture, pts, warmUp)) = toAnalyse.popNumbered() else { analysing.leave(); break }
                    let image = try self.timed("convert in", { try worker.toImage(picture) })
                    let L = try self.timed("phase A", { try worker.enhancer.estimateIllumination(image) })
                    // The exposure that the stabilisation's gain scales is linear light's.
                    let cells = c.smoothing <= 0 ? nil : self.timed("cells") {
                        image.cellMeans(columns: TemporalSmoother.cellColumns, rows: TemporalSmoother.cellRows,
                                        linearLight: c.stabiliseInput)
                    }
                    if !toSmooth.push((n, (image, L, cells, pts, warmUp))) { return }
                }
            }
        }
        spawn("sckd-phase-a-done") { analysers.wait(); toSmooth.close() }
    }

    /// Temporal smoothing, in presentation order.
    private func startSmoother(from toSmooth: BoundedQueue<(Int, Analysed)>, to toEnhance: BoundedQueue<Smoothed>,
                               limit analysing: InFlightLimit) {
        let c = configuration
        spawn("sckd-smoothing") {
            defer { toEnhance.close() }
            let smoother = TemporalSmoother(strength: c.smoothing, exposureExponent: c.exposureExponent,
                                            stabiliseInput: c.stabiliseInput)
            var inOrder = OrderedDelivery<Analysed>(limit: analysing)
            while let (n, item) = toSmooth.pop() {
                let open = inOrder.accept(n, item) { sequence, a in
                    let L = self.timed("smoothing", { smoother.smooth(a.illumination, cells: a.cells) })
                    return toEnhance.push((sequence, a.image, L, smoother.lastGain, a.pts, a.warmUp))
                }
                if !open { return }
            }
            self.lock.lock(); self.sceneCuts = smoother.sceneCuts; self.exposureSteps = smoother.exposureSteps; self.lock.unlock()
        }
    }

    /// Phase B, the output's level steadied in order, convert out; one thread per worker. With
    /// smoothing, the warm-up pictures that prime the level go through phase B too (not converted
    /// or written): the level a segment's first frame is steadied toward must be the one a run that
    /// started earlier had.
    private func startEnhancers(from toEnhance: BoundedQueue<Smoothed>, to toSink: BoundedQueue<SinkItem>,
                                limit enhancing: InFlightLimit, levels: InOrderTurns<OutputLevelStabiliser>) {
        let stabilising = configuration.smoothing > 0 && configuration.steadyOutputLevel
        let enhancers = DispatchGroup()
        for i in 0..<configuration.workers {
            enhancers.enter()
            spawn("sckd-phase-b-\(i)") { [makeWorker] in
                defer { enhancers.leave() }
                let worker = try makeWorker()
                while enhancing.enter() {
                    guard let item = toEnhance.pop() else { enhancing.leave(); break }
                    if let warmUp = item.warmUp, warmUp == .smoothingOnly || !stabilising {
                        // Every number takes its turn at the level, or the next one would wait for it.
                        if stabilising && levels.take(item.sequence, { _ in }) == nil { return }
                        if !toSink.push(.frame(item.sequence, nil, item.pts)) { return }
                        continue
                    }
                    let out = try self.timed("phase B", {
                        try worker.enhancer.enhance(item.image, illumination: item.illumination, inputGain: item.gain)
                    })
                    if stabilising {
                        // One timed call a frame (waiting for the turn costs no CPU time).
                        let steadied = self.timed("level") { () -> Bool in
                            let level = out.meanCodedLuma()
                            guard let gain = levels.take(item.sequence, { $0.gain(forLevel: level) }) else { return false }
                            if item.warmUp == nil && gain != 1 { out.scale(by: gain) }
                            return true
                        }
                        if !steadied { return }
                        if item.warmUp != nil {
                            if !toSink.push(.frame(item.sequence, nil, item.pts)) { return }
                            continue
                        }
                    }
                    let encoded = try self.timed("convert out", { try worker.encode(item.image, out) })
                    if !toSink.push(.frame(item.sequence, encoded, item.pts)) { return }
                }
            }
        }
        spawn("sckd-phase-b-done") { enhancers.wait(); toSink.close() }
    }

    // MARK: - Threads, errors, timing

    /// Records the first error and cancels every queue, so that every stage stops promptly.
    private func fail(_ error: Error) {
        lock.lock()
        if firstError == nil { firstError = error }
        let cancel = cancellers
        lock.unlock()
        for c in cancel { c() }
    }

    private func failed() -> Bool { lock.lock(); defer { lock.unlock() }; return firstError != nil }

    /// Stage times are the calling thread's CPU time: on a machine with fewer cores than threads,
    /// wall time would also count the waits for a core.
    private func timed<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
        let t0 = threadCPUNanoseconds()
        let r = try body()
        let ms = Double(threadCPUNanoseconds() - t0) / 1e6
        lock.lock(); stageTime[stage, default: 0] += ms; stageSamples[stage, default: []].append(ms); lock.unlock()
        return r
    }

    private func spawn(_ name: String, _ body: @escaping () throws -> Void) {
        threads.enter()
        let t = Thread { [threads] in
            do { try body() } catch { self.fail(error) }
            threads.leave()
        }
        t.name = name
        t.stackSize = 8 << 20
        t.start()
    }
}

/// The first error of a failed run, with what the run had done by then.
public struct PipelineFailure: Error, CustomStringConvertible {
    public let underlying: Error
    public let stats: PipelineStats
    public var description: String { "\(underlying)" }
}

extension PipelineStats {
    /// A few lines for `--stats`.
    public var summary: String {
        let stages = ["source", "convert in", "cells", "phase A", "smoothing", "phase B", "level", "convert out", "sink"]
        var s = "per frame (ms of thread CPU time):"
        for st in stages { s += String(format: " %@ %.2f", st as NSString, perFrame(st)) }
        s += "\nqueues (peak / mean at push):"
        for q in ["analyse", "smooth", "enhance"] {
            s += String(format: " %@ %d / %.1f", q as NSString, queuePeaks[q] ?? 0, queueMeans[q] ?? 0)
        }
        s += String(format: "\nprocess CPU per frame (all threads): %.1f ms", cpuPerFrame)
        s += "\nframes \(frames), dropped \(dropped), scene cuts \(sceneCuts), exposure steps \(exposureSteps)"
        return s
    }
}

/// How many workers per network stage and OpenMP threads per worker. The cores are shared by the
/// decoder, the encoder and the two network stages, and OpenMP teams suffer most from that
/// sharing (a descheduled team member stalls every barrier): single-threaded workers, one per core,
/// won on 2 cores (1280x720, ldfc-net-rt bf16: 26.1 fps with 2 x 1 against 23.0 with 1 x 2). On
/// larger machines workers get 2 threads each, to keep per-frame latency down.
public struct ThreadPlan: Sendable {
    public let workers: Int
    public let threadsPerWorker: Int

    public init(cores: Int, workers: Int? = nil, networkThreads: Int? = nil) {
        let total = max(1, networkThreads.map { $0 * (workers ?? 1) } ?? cores)
        let w = workers ?? (cores <= 4 ? cores : cores / 2)
        self.workers = w
        threadsPerWorker = max(1, networkThreads ?? total / w)
    }
}

/// CPU time of the calling thread.
func threadCPUNanoseconds() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

/// CPU time of the whole process (all threads).
func processCPUNanoseconds() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}
