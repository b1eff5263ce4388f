import SCKDSystem
import Foundation
import SCKDCore
import SCKDMedia

public enum PipelineError: Error, CustomStringConvertible {
    case noFrames(path: String)
    /// Stopped (Ctrl-C) in a run that writes all or nothing.
    case stopped(path: String)

    public var description: String {
        switch self {
        case let .noFrames(p): return "no video frame of '\(p)' could be decoded"
        case let .stopped(p): return "stopped before the end: nothing written to '\(p)'"
        }
    }
}

/// Progress as the run goes: for a progress line, never for data.
public struct JobProgress: Sendable {
    public let frames: Int
    public let expectedFrames: Int?
    public let elapsed: Double
    public var fps: Double { elapsed > 0 ? Double(frames) / elapsed : 0 }
    public var eta: Double? {
        guard let n = expectedFrames, n > frames, fps > 0 else { return nil }
        return Double(n - frames) / fps
    }
}

/// How the output shows the result: the enhanced picture, or the original beside it.
public enum CompareMode: String, Sendable, CaseIterable {
    case off
    /// Original left, enhanced right: twice the width.
    case sideBySide = "side-by-side"
    /// Left half original, right half enhanced, at the original size.
    case split

    func compose(_ input: PlanarImage, _ output: PlanarImage) -> PlanarImage {
        switch self {
        case .off: return output
        case .sideBySide: return PlanarImage.sideBySide(input, output)
        case .split: return PlanarImage.split(input, output)
        }
    }
}

extension PipelineFailure {
    /// What a failed run leaves: with frames written, the output is finalised so that they play;
    /// with none (or a closed pipe, which cannot take a trailer) it is discarded and the
    /// destination stays as it was.
    public func finalise(_ writer: VideoWriter) {
        var pipeClosed = false
        if case MediaError.outputPipeClosed? = underlying as? MediaError { pipeClosed = true }
        if writer.framesWritten > 0 && !pipeClosed {
            try? writer.finish()
        } else {
            writer.abort()
        }
    }
}

public struct EnhanceReport: Sendable {
    public let frames: Int
    public let corruptFrames: Int
    public let interrupted: Bool
    /// Why the input ended early (truncated, read error), when it did.
    public let endedEarly: String?
    public let elapsed: Double
    public let bytesWritten: Int64
    public let stats: PipelineStats
}

/// The part of a video a job writes: the frames with presentation timestamps in [start, end). The
/// frames from `warmUpFrom` to `start` are analysed and smoothed, so that the temporal smoother is
/// settled by the first frame written (segments enhanced apart join without a seam), but neither
/// enhanced nor written; earlier ones are decoded (to get there from a keyframe) and dropped.
public struct FrameWindow: Sendable, Equatable {
    public let warmUpFrom: Int64
    public let start: Int64
    public let end: Int64?

    public init(warmUpFrom: Int64, start: Int64, end: Int64?) {
        self.warmUpFrom = min(warmUpFrom, start)
        self.start = start
        self.end = end
    }
}

/// A video file (or stream) through the enhancement pipeline into the writer: the FFmpeg side of
/// `EnhancePipeline`. Frames are decoded on the source thread, converted and enhanced on the
/// worker threads, muxed on the calling thread in presentation order. On an error after some
/// frames were written the output is finalised (it plays) and the error rethrown; with nothing
/// written it is discarded and the destination left untouched. On a stop request (Ctrl-C)
/// reading stops, what was read is finished and the file finalised.
public final class EnhanceJob {
    let reader: VideoReader
    let writer: VideoWriter
    let configuration: PipelineConfiguration
    let compare: CompareMode
    let makeEnhancer: () throws -> FrameEnhancer
    let onProgress: ((JobProgress) -> Void)?
    /// Stop reading after this many pictures (benchmarks).
    public var maxFrames: Int?
    /// Write only these frames (a segment of a longer video); the reader must already stand at
    /// or before `warmUpFrom`.
    public var window: FrameWindow?
    /// The frames the run will write, for progress (default: the container's count).
    public var expectedFrames: Int?
    /// Whether a run that fails or is stopped after writing some frames finalises them (a file
    /// that plays); false: all or nothing, the destination keeps what it had (segment parts).
    public var finalisesPartialOutput = true

    /// `writer` must be made for `compare`'s output size (twice the width for side by side).
    public init(reader: VideoReader, writer: VideoWriter, configuration: PipelineConfiguration, compare: CompareMode = .off,
                makeEnhancer: @escaping () throws -> FrameEnhancer, onProgress: ((JobProgress) -> Void)? = nil) {
        self.reader = reader
        self.writer = writer
        self.configuration = configuration
        self.compare = compare
        self.makeEnhancer = makeEnhancer
        self.onProgress = onProgress
    }

    public func run() throws -> EnhanceReport {
        let start = DispatchTime.now().uptimeNanoseconds
        let elapsed = { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        let reader = self.reader, writer = self.writer, makeEnhancer = self.makeEnhancer, compare = self.compare
        let limit = maxFrames ?? Int.max
        let window = self.window
        // The warm-up's last half second also primes the output level (`SourceEvent.warmUp`).
        let tb = reader.video.timeBase
        let levelPrimingFrom = (window?.start ?? 0) - Int64(0.5 * Double(tb.den) / Double(max(1, tb.num)))
        var read = 0
        let (w, h) = (reader.video.width, reader.video.height)
        let pipeline = EnhancePipeline<DecodedPicture, EncoderFrame, CopiedPacket>(
            configuration: configuration,
            source: {
                while read < limit {
                    switch try reader.next() {
                    case let .picture(p)?:
                        if let window {
                            // Decoded pictures come in presentation order: past the end, all are.
                            if let end = window.end, p.pts >= end { return nil }
                            if p.pts < window.warmUpFrom { continue }
                            if p.pts < window.start { return .warmUp(p, pts: p.pts, primesLevel: p.pts >= levelPrimingFrom) }
                        }
                        read += 1
                        return .picture(p, pts: p.pts)
                    case let .packet(p)?: return .passthrough(p)
                    case nil: return nil
                    }
                }
                return nil
            },
            makeWorker: {
                let toRGB = PictureToRGB(width: w, height: h)
                let converter = writer.makeConverter()
                return PipelineWorker(toImage: { toRGB.convert($0) }, enhancer: try makeEnhancer(),
                                      encode: { converter.encoderFrame(compare.compose($0, $1)) })
            })
        let stats: PipelineStats
        do {
            let expected = expectedFrames ?? reader.video.estimatedFrameCount
            stats = try pipeline.run(
                writeFrame: { try writer.write($0, pts: $1) },
                writePassthrough: { try writer.write($0) },
                onFrame: { [onProgress] _ in
                    onProgress?(JobProgress(frames: writer.framesWritten, expectedFrames: expected, elapsed: elapsed()))
                })
        } catch let failure as PipelineFailure {
            if finalisesPartialOutput { failure.finalise(writer) } else { writer.abort() }
            throw failure.underlying
        }
        let interrupted = reader.interrupted || StopSignal.isRequested
        if interrupted && !finalisesPartialOutput {
            writer.abort()
            throw PipelineError.stopped(path: writer.output.path)
        }
        do {
            if writer.framesWritten == 0 { throw PipelineError.noFrames(path: reader.path) }
            try writer.finish()
        } catch {
            writer.abort()
            throw error
        }
        return EnhanceReport(frames: writer.framesWritten, corruptFrames: reader.corruptFrames,
                             interrupted: interrupted, endedEarly: reader.endedEarly,
                             elapsed: elapsed(), bytesWritten: writer.bytesWritten, stats: stats)
    }
}
