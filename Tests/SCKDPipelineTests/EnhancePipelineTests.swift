import Foundation
import SCKDCore
import XCTest

@testable import SCKDPipeline

/// A stand-in network: illumination = mean of the picture; enhancement = picture / illumination,
/// with random per-call delays so that workers finish out of order.
final class JitteryEnhancer: FrameEnhancer {
    let name = "jittery"
    let maxDelay: Double
    let failOnFrame: Int?
    init(maxDelay: Double = 0.004, failOnFrame: Int? = nil) { self.maxDelay = maxDelay; self.failOnFrame = failOnFrame }

    func estimateIllumination(_ image: PlanarImage) throws -> PlanarImage {
        Thread.sleep(forTimeInterval: Double.random(in: 0...maxDelay))
        return PlanarImage(width: 2, height: 2, channels: 1, filledWith: max(0.05, Float(image.mean())))
    }

    func enhance(_ image: PlanarImage, illumination: PlanarImage) throws -> PlanarImage {
        Thread.sleep(forTimeInterval: Double.random(in: 0...maxDelay))
        if let f = failOnFrame, Int(image[0, 0, 0] * 1000) == f { throw TestFailure.injected }
        let out = image.copy()
        let l = illumination.data[0]
        for i in 0..<out.count { out.data[i] = min(1, out.data[i] / l * 0.5) }
        return out
    }
}

enum TestFailure: Error { case injected, sink }

/// Frame n is a 4x4 picture whose first sample encodes n (n / 1000) and whose mean carries `level`.
func frame(_ n: Int, level: Float = 0.2) -> PlanarImage {
    let img = PlanarImage(width: 4, height: 4, channels: 3, filledWith: level)
    img[0, 0, 0] = Float(n) / 1000
    return img
}

final class EnhancePipelineTests: XCTestCase {
    func makePipeline(frames: Int, configuration: PipelineConfiguration, enhancer: @escaping () -> FrameEnhancer = { JitteryEnhancer() },
                      level: @escaping (Int) -> Float = { _ in 0.2 }, failSourceAt: Int? = nil,
                      sourceDelay: Double = 0) -> EnhancePipeline<Int, PlanarImage, String> {
        var n = 0
        return EnhancePipeline(configuration: configuration, source: {
            if sourceDelay > 0 { Thread.sleep(forTimeInterval: sourceDelay) }
            guard n < frames else { return nil }
            defer { n += 1 }
            if n == failSourceAt { throw TestFailure.injected }
            if n % 5 == 4 { n += 0 }
            return .picture(n, pts: Int64(n * 10))
        }, makeWorker: {
            PipelineWorker(toImage: { frame($0, level: level($0)) }, enhancer: enhancer(), encode: { $1 })
        })
    }

    func testOrderIsPreservedUnderRandomDelays() throws {
        let p = makePipeline(frames: 120, configuration: PipelineConfiguration(workers: 4, queueCapacity: 3, smoothing: 0))
        var seen: [Int] = [], pts: [Int64] = []
        let stats = try p.run(writeFrame: { img, t in seen.append(Int((img[0, 0, 0] * 2000).rounded())); pts.append(t) },
                              writePassthrough: { _ in })
        XCTAssertEqual(stats.frames, 120)
        XCTAssertEqual(pts, (0..<120).map { Int64($0 * 10) })
        XCTAssertEqual(seen.count, 120)
    }

    func testWarmUpPicturesAreSmoothedAndPrimeTheLevelButAreNeverWritten() throws {
        // Exposure varies frame to frame; a run that starts at frame 0 and one that warms up on
        // frames 0-29 and writes from 30 must write the same frames 30-59.
        let level = { (n: Int) -> Float in 0.2 + 0.05 * Float(n % 7) / 7 }
        func run(warmUp: Int, from first: Int = 0) throws -> (frames: [PlanarImage], pts: [Int64], enhanced: Int) {
            final class Counting: FrameEnhancer, @unchecked Sendable {
                let name = "counting"
                let lock = NSLock()
                var enhanced = 0
                let inner = JitteryEnhancer()
                func estimateIllumination(_ image: PlanarImage) throws -> PlanarImage { try inner.estimateIllumination(image) }
                func enhance(_ image: PlanarImage, illumination: PlanarImage) throws -> PlanarImage {
                    lock.lock(); enhanced += 1; lock.unlock()
                    return try inner.enhance(image, illumination: illumination)
                }
            }
            let counter = Counting()
            var n = first
            let p = EnhancePipeline<Int, PlanarImage, String>(
                configuration: PipelineConfiguration(workers: 3, queueCapacity: 2, smoothing: 0.8),
                source: {
                    guard n < 60 else { return nil }
                    defer { n += 1 }
                    return n < warmUp ? .warmUp(n, pts: Int64(n), primesLevel: n >= warmUp - 10) : .picture(n, pts: Int64(n))
                },
                makeWorker: { PipelineWorker(toImage: { frame($0, level: level($0)) }, enhancer: counter, encode: { $1 }) })
            var frames: [PlanarImage] = [], pts: [Int64] = []
            var progress: [Int] = []
            let stats = try p.run(writeFrame: { frames.append($0); pts.append($1) }, writePassthrough: { _ in },
                                  onFrame: { progress.append($0) })
            XCTAssertEqual(stats.frames, 60 - max(warmUp, first))
            XCTAssertEqual(progress, Array(1...(60 - max(warmUp, first))), "progress counts written frames")
            return (frames, pts, counter.enhanced)
        }
        let whole = try run(warmUp: 0), warmed = try run(warmUp: 30)
        XCTAssertEqual(warmed.pts, (30..<60).map { Int64($0) })
        XCTAssertEqual(warmed.enhanced, 40, "only the warm-up pictures that prime the output level are enhanced")
        let samples = { (i: PlanarImage) in Array(UnsafeBufferPointer(start: i.data, count: i.count)) }
        // The smoother's state is the same; the output level's moving average forgot what the
        // priming pictures did not show it, to float rounding.
        for (a, b) in zip(whole.frames.suffix(30), warmed.frames) {
            XCTAssertLessThan(zip(samples(a), samples(b)).map { abs($0 - $1) }.max()!, 1e-5)
        }
        // Without the warm-up the smoother starts cold and the first frames come out otherwise.
        let cold = try run(warmUp: 0, from: 30)
        XCTAssertNotEqual(samples(cold.frames[1]), samples(warmed.frames[1]))
    }

    func testBackPressureKeepsQueuesBoundedOnALongStream() throws {
        // A slow sink: everything upstream must wait, never pile up.
        let p = makePipeline(frames: 400, configuration: PipelineConfiguration(workers: 2, queueCapacity: 3, smoothing: 0.5),
                             enhancer: { JitteryEnhancer(maxDelay: 0) })
        var written = 0
        let stats = try p.run(writeFrame: { _, _ in written += 1; Thread.sleep(forTimeInterval: 0.0005) }, writePassthrough: { _ in })
        XCTAssertEqual(written, 400)
        XCTAssertEqual(stats.dropped, 0)
        XCTAssertLessThanOrEqual(stats.queuePeaks["analyse"]!, 3)
        XCTAssertLessThanOrEqual(stats.queuePeaks["enhance"]!, 3)
        XCTAssertLessThanOrEqual(stats.queuePeaks["smooth"]!, 3 + 2)
    }

    func testAStalledWorkerDoesNotLetTheOthersRunAhead() throws {
        // Frame 0 takes 300 ms in phase A while the other worker is fast: the smoother must wait
        // for frame 0, and the frames it holds meanwhile are bounded by the in-flight limit, not by
        // the stream length.
        final class StallFirst: FrameEnhancer {
            let name = "stall-first"
            func estimateIllumination(_ image: PlanarImage) throws -> PlanarImage {
                if image[0, 0, 0] == 0 { Thread.sleep(forTimeInterval: 0.3) }
                return PlanarImage(width: 2, height: 2, channels: 1, filledWith: 0.5)
            }
            func enhance(_ image: PlanarImage, illumination: PlanarImage) throws -> PlanarImage { image }
        }
        let lock = NSLock()
        var converted = 0, written = 0, mostInFlight = 0
        var n = 0
        let p = EnhancePipeline<Int, PlanarImage, String>(
            configuration: PipelineConfiguration(workers: 2, queueCapacity: 3, smoothing: 0), source: {
                guard n < 200 else { return nil }
                defer { n += 1 }
                return .picture(n, pts: Int64(n))
            }, makeWorker: {
                PipelineWorker(toImage: { i in
                    lock.lock(); converted += 1; mostInFlight = max(mostInFlight, converted - written); lock.unlock()
                    return frame(i)
                }, enhancer: StallFirst(), encode: { $1 })
            })
        let stats = try p.run(writeFrame: { _, _ in lock.lock(); written += 1; lock.unlock() }, writePassthrough: { _ in })
        XCTAssertEqual(stats.frames, 200)
        XCTAssertLessThanOrEqual(stats.framesInFlightPeaks["analysing"]!, 3 + 2)
        XCTAssertLessThanOrEqual(stats.framesInFlightPeaks["enhancing"]!, 3 + 2)
        // analysing window + the smoother's output queue + the smoother + enhancing window + the
        // frame the sink is writing (it leaves the enhancing window before the write, so a worker
        // may take the next frame meanwhile; CI saw 15 once)
        XCTAssertLessThanOrEqual(mostInFlight, 5 + 3 + 1 + 5 + 1)
    }

    func testLivePolicyDropsOldestAndCounts() throws {
        // The network is slower than the source: a live pipeline drops instead of falling behind.
        let p = makePipeline(frames: 200, configuration: PipelineConfiguration(workers: 1, queueCapacity: 2, policy: .dropOldest, smoothing: 0),
                             enhancer: { JitteryEnhancer(maxDelay: 0.004) })
        var pts: [Int64] = []
        let stats = try p.run(writeFrame: { _, t in pts.append(t) }, writePassthrough: { _ in })
        XCTAssertGreaterThan(stats.dropped, 0)
        XCTAssertEqual(stats.frames + stats.dropped, 200)
        XCTAssertEqual(pts, pts.sorted(), "what is kept stays in order")
        XCTAssertEqual(pts.last, 1990, "the newest frame is never the one dropped")
    }

    func testAnErrorInAnyStageStopsTheRunWithThatError() {
        let cases: [(String, EnhancePipeline<Int, PlanarImage, String>, Bool)] = [
            ("source", makePipeline(frames: 100, configuration: PipelineConfiguration(workers: 2), failSourceAt: 30), false),
            ("network", makePipeline(frames: 100, configuration: PipelineConfiguration(workers: 2),
                                     enhancer: { JitteryEnhancer(failOnFrame: 40) }), false),
            ("sink", makePipeline(frames: 100, configuration: PipelineConfiguration(workers: 2)), true),
        ]
        for (stage, p, failSink) in cases {
            var written = 0
            let start = Date()
            XCTAssertThrowsError(try p.run(writeFrame: { _, _ in
                written += 1
                if failSink && written == 20 { throw TestFailure.sink }
            }, writePassthrough: { _ in })) { error in
                guard let f = error as? PipelineFailure else { return XCTFail("\(stage): \(error)") }
                XCTAssertTrue(f.underlying is TestFailure, stage)
                XCTAssertGreaterThan(f.stats.frames, 0, "\(stage): frames before the error reached the sink")
                XCTAssertLessThan(f.stats.frames, 100, stage)
            }
            XCTAssertLessThan(Date().timeIntervalSince(start), 5, "\(stage): stops promptly")
        }
    }

    func testPassthroughItemsReachTheSink() throws {
        var n = 0
        let p = EnhancePipeline<Int, PlanarImage, String>(configuration: PipelineConfiguration(workers: 2), source: {
            defer { n += 1 }
            if n >= 60 { return nil }
            return n % 3 == 0 ? .passthrough("audio \(n)") : .picture(n, pts: Int64(n))
        }, makeWorker: { PipelineWorker(toImage: { frame($0) }, enhancer: JitteryEnhancer(), encode: { $1 }) })
        var packets: [String] = []
        let stats = try p.run(writeFrame: { _, _ in }, writePassthrough: { packets.append($0) })
        XCTAssertEqual(packets.count, 20)
        XCTAssertEqual(packets, packets.sorted { Int($0.dropFirst(6))! < Int($1.dropFirst(6))! })
        XCTAssertEqual(stats.frames, 40)
    }
}

/// An enhancer whose output level jitters by up to ±1.5 % from frame to frame (its first sample
/// carries the frame number, as `frame` makes it).
final class LevelJitterEnhancer: FrameEnhancer {
    let name = "level-jitter"
    func estimateIllumination(_ image: PlanarImage) throws -> PlanarImage {
        Thread.sleep(forTimeInterval: Double.random(in: 0...0.002))
        return PlanarImage(width: 2, height: 2, channels: 1, filledWith: 0.5)
    }
    func enhance(_ image: PlanarImage, illumination: PlanarImage) throws -> PlanarImage {
        Thread.sleep(forTimeInterval: Double.random(in: 0...0.002))
        let n = Int((image[0, 0, 0] * 1000).rounded())
        let out = PlanarImage(width: 8, height: 8, channels: 3, filledWith: 0.4 * (1 + 0.015 * sin(Float(n) * 2.3)))
        out[0, 0, 0] = image[0, 0, 0]
        return out
    }
}

final class OutputLevelPipelineTests: XCTestCase {
    func levels(workers: Int, smoothing: Float) throws -> [Float] {
        var n = 0
        let p = EnhancePipeline<Int, PlanarImage, String>(
            configuration: PipelineConfiguration(workers: workers, queueCapacity: 3, smoothing: smoothing), source: {
                guard n < 150 else { return nil }
                defer { n += 1 }
                return .picture(n, pts: Int64(n))
            }, makeWorker: { PipelineWorker(toImage: { frame($0) }, enhancer: LevelJitterEnhancer(), encode: { $1 }) })
        var out: [Float] = []
        _ = try p.run(writeFrame: { img, _ in out.append(img.data[1]) }, writePassthrough: { _ in })
        return out
    }

    func testNoEnhancementStaysTheInputWithSmoothingOn() throws {
        // The identity's output is its input: a level that jitters ±1.5 % is written as it came.
        var configuration = PipelineConfiguration(workers: 2, queueCapacity: 3, smoothing: 0.8)
        configuration.adopt(IdentityEnhancer())
        var n = 0
        let level = { (i: Int) -> Float in 0.4 * (1 + 0.015 * sin(Float(i) * 2.3)) }
        let p = EnhancePipeline<Int, PlanarImage, String>(configuration: configuration, source: {
            guard n < 60 else { return nil }
            defer { n += 1 }
            return .picture(n, pts: Int64(n))
        }, makeWorker: { PipelineWorker(toImage: { frame($0, level: level($0)) }, enhancer: IdentityEnhancer(), encode: { $1 }) })
        var written: [Float] = []
        _ = try p.run(writeFrame: { img, _ in written.append(img.data[1]) }, writePassthrough: { _ in })
        XCTAssertEqual(written, (0..<60).map(level))
    }

    func testTheOutputLevelIsSteadiedInFrameOrderWhateverTheWorkers() throws {
        let perFrame = try levels(workers: 3, smoothing: 0), one = try levels(workers: 1, smoothing: 0.8),
            four = try levels(workers: 4, smoothing: 0.8)
        XCTAssertEqual(one, four, "the same corrections whichever worker finishes first")
        let flicker = { (v: [Float]) -> Float in zip(v.dropFirst(), v).map { abs($0 - $1) }.reduce(0, +) }
        XCTAssertLessThan(flicker(four), 0.5 * flicker(perFrame))
    }
}
