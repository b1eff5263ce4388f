import CFFmpeg

/// Everything the media layer can report, each case rendering as one line that names the file and
/// the cause. The CLI prints `description` and exits non-zero.
public enum MediaError: Error, CustomStringConvertible, Equatable {
    case cannotOpenInput(path: String, reason: String)
    case isDirectory(path: String)
    case noVideoStream(path: String)
    case unsupportedVideo(path: String, reason: String)
    case decodeFailed(path: String, reason: String)
    case unknownContainer(name: String)
    case cannotGuessContainer(path: String)
    case unknownCodec(name: String)
    case notAVideoEncoder(name: String)
    case encoderFailed(codec: String, reason: String)
    case cannotOpenOutput(path: String, reason: String)
    case writeFailed(path: String, reason: String)
    case outputExists(path: String)
    case outputIsInput(path: String)
    /// The reader of our stdout went away (EPIPE): not a failure of ours, ended quietly.
    case outputPipeClosed

    public var description: String {
        switch self {
        case let .cannotOpenInput(p, r): return "cannot open '\(p)': \(r)"
        case let .isDirectory(p): return "'\(p)' is a directory, not a video file"
        case let .noVideoStream(p): return "'\(p)' has no video stream"
        case let .unsupportedVideo(p, r): return "cannot decode the video of '\(p)': \(r)"
        case let .decodeFailed(p, r): return "decoding '\(p)' failed: \(r)"
        case let .unknownContainer(n): return "unknown container format '\(n)' (see `ffmpeg -muxers`)"
        case let .cannotGuessContainer(p): return "cannot tell the container format from '\(p)': give one with -f (mp4, mkv, nut, y4m, …)"
        case let .unknownCodec(n): return "unknown video codec '\(n)' (see `ffmpeg -encoders`)"
        case let .notAVideoEncoder(n): return "'\(n)' is not a video encoder"
        case let .encoderFailed(c, r): return "video encoder \(c) failed: \(r)"
        case let .cannotOpenOutput(p, r): return "cannot write '\(p)': \(r)"
        case let .writeFailed(p, r): return "writing '\(p)' failed: \(r)"
        case let .outputExists(p): return "'\(p)' already exists (use -y to overwrite)"
        case let .outputIsInput(p): return "output '\(p)' is the input file; choose another name"
        case .outputPipeClosed: return "the output pipe was closed by its reader"
        }
    }
}

/// FFmpeg's message for an AVERROR code.
public func avErrorString(_ code: Int32) -> String {
    var buf = [CChar](repeating: 0, count: 256)
    return buf.withUnsafeMutableBufferPointer { String(cString: sckd_av_strerror(code, $0.baseAddress, $0.count)) }
}

/// True when an AVERROR code is EPIPE (our stdout reader closed the pipe).
func isBrokenPipe(_ code: Int32) -> Bool { code == sckd_av_error(EPIPE) }
