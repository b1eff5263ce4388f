import CSCKDSystem
import Foundation
import SCKDCore
import SCKDMedia

public enum PipelineError: Error, CustomStringConvertible {
    case noFrames(path: String)

    public var description: String {
        switch self {
        case let .noFrames(p): return "no video frame of '\(p)' could be decoded"
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

public struct EnhanceReport: Sendable {
    public let frames: Int
    public let corruptFrames: Int
    public let interrupted: Bool
    public let elapsed: Double
    public let bytesWritten: Int64
}

/// Source -> convert -> enhance -> convert -> sink, one frame at a time, in presentation order.
/// (FFmpeg's decoder and encoder run their own threads; the multi-worker network stage comes
/// with the pipeline issue.) On any error the output is aborted and the destination untouched;
/// on a stop request (Ctrl-C) reading stops, what was read is finished and the file finalised.
public final class EnhanceJob {
    let reader: VideoReader
    let writer: VideoWriter
    let enhancer: FrameEnhancer
    let onProgress: ((JobProgress) -> Void)?

    public init(reader: VideoReader, writer: VideoWriter, enhancer: FrameEnhancer, onProgress: ((JobProgress) -> Void)? = nil) {
        self.reader = reader
        self.writer = writer
        self.enhancer = enhancer
        self.onProgress = onProgress
    }

    public func run() throws -> EnhanceReport {
        let start = DispatchTime.now().uptimeNanoseconds
        let elapsed = { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        let toRGB = PictureToRGB(width: reader.video.width, height: reader.video.height)
        var frames = 0
        do {
            while let event = try reader.next() {
                switch event {
                case let .picture(picture):
                    let image = toRGB.convert(picture)
                    let enhanced = try enhancer.enhance(image)
                    try writer.write(enhanced, pts: picture.pts)
                    frames += 1
                    onProgress?(JobProgress(frames: frames, expectedFrames: reader.video.estimatedFrameCount, elapsed: elapsed()))
                case let .packet(packet):
                    try writer.write(packet)
                }
            }
            if frames == 0 { throw PipelineError.noFrames(path: reader.path) }
            try writer.finish()
        } catch {
            writer.abort()
            throw error
        }
        return EnhanceReport(frames: frames, corruptFrames: reader.corruptFrames,
                             interrupted: reader.interrupted || sckd_stop_signal() != 0,
                             elapsed: elapsed(), bytesWritten: writer.bytesWritten)
    }
}
