import Foundation
import SCKDCapture
import SCKDCore
import SCKDMedia
import SCKDSystem

/// What a camera recording did: frames that left the camera, frames enhanced and written, frames
/// the live policy dropped, and how long a frame took from the camera to the muxer.
public struct CameraReport: Sendable {
    public let captured: Int
    public let frames: Int
    public let dropped: Int
    public let latencyMedianMs: Double
    public let latencyP95Ms: Double
    public let interrupted: Bool
}

/// A live camera through the enhancement pipeline into the writer: the capture side of
/// `EnhancePipeline`, as `EnhanceJob` is the file side. Frames are timed from the first one, so
/// the output starts at zero; when the network falls behind the camera the oldest waiting frame
/// is dropped (the configuration's policy), never the newest. Ends at `maxFrames`, after
/// `duration` seconds, or on a stop request, and the file is finalised so that it plays.
public final class CameraJob {
    let capture: CameraCapture
    let writer: VideoWriter
    let configuration: PipelineConfiguration
    let makeEnhancer: () throws -> FrameEnhancer
    public var maxFrames: Int?
    public var duration: Double?

    public init(capture: CameraCapture, writer: VideoWriter, configuration: PipelineConfiguration,
                makeEnhancer: @escaping () throws -> FrameEnhancer) {
        self.capture = capture
        self.writer = writer
        self.configuration = configuration
        self.makeEnhancer = makeEnhancer
    }

    public func run() throws -> CameraReport {
        let capture = self.capture, writer = self.writer, makeEnhancer = self.makeEnhancer
        let limitFrames = maxFrames ?? Int.max
        let stopAt = duration.map { DispatchTime.now().uptimeNanoseconds + UInt64($0 * 1e9) }
        var firstTimestamp: Int64?
        var captureClock: [Int64: UInt64] = [:]  // pts -> when the frame left the camera (our clock)
        let clockLock = NSLock()
        let pipeline = EnhancePipeline<PlanarImage, EncoderFrame, Never>(
            configuration: configuration,
            source: {
                if StopSignal.isRequested || capture.framesCaptured >= limitFrames { return nil }
                if let s = stopAt, DispatchTime.now().uptimeNanoseconds >= s { return nil }
                guard let frame = try capture.next() else { return nil }
                let t0 = firstTimestamp ?? frame.timestampMicroseconds
                firstTimestamp = t0
                let pts = frame.timestampMicroseconds - t0
                clockLock.lock(); captureClock[pts] = DispatchTime.now().uptimeNanoseconds; clockLock.unlock()
                return .picture(frame.image, pts: pts)
            },
            makeWorker: {
                let converter = writer.makeConverter()
                return PipelineWorker(toImage: { $0 }, enhancer: try makeEnhancer(), encode: { converter.encoderFrame($1) })
            })
        var latencies: [Double] = []
        let stats: PipelineStats
        do {
            stats = try pipeline.run(writeFrame: { frame, pts in
                clockLock.lock(); let t = captureClock.removeValue(forKey: pts); clockLock.unlock()
                if let t { latencies.append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6) }
                try writer.write(frame, pts: pts)
            }, writePassthrough: { _ in })
        } catch let failure as PipelineFailure {
            failure.finalise(writer)
            capture.close()
            throw failure.underlying
        }
        capture.close()
        if stats.frames == 0 { writer.abort(); throw PipelineError.noFrames(path: capture.path) }
        try writer.finish()
        latencies.sort()
        let median = latencies.isEmpty ? 0 : latencies[latencies.count / 2]
        let p95 = latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.95))]
        return CameraReport(captured: capture.framesCaptured, frames: stats.frames, dropped: stats.dropped,
                            latencyMedianMs: median, latencyP95Ms: p95, interrupted: StopSignal.isRequested)
    }
}
