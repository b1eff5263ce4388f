import CFFmpeg
import SCKDSystem
import Foundation
import SCKDCore

/// A decoded picture with its presentation timestamp (in the video stream's time base). Owns the
/// AVFrame; it may be handed to another thread for conversion.
public final class DecodedPicture: @unchecked Sendable {
    let frame: UnsafeMutablePointer<AVFrame>
    public let pts: Int64
    let tags: ColorTags

    init(moving source: UnsafeMutablePointer<AVFrame>, pts: Int64, streamTags: ColorTags) {
        frame = av_frame_alloc()!
        av_frame_move_ref(frame, source)
        self.pts = pts
        tags = ColorTags(frame: frame, fallback: streamTags)
    }

    deinit {
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
    }
}

/// A compressed packet of a stream that is copied to the output as it is (audio, subtitles).
public final class CopiedPacket: @unchecked Sendable {
    let packet: UnsafeMutablePointer<AVPacket>
    /// Index among the reader's `copiedStreams`.
    public let copiedStreamIndex: Int

    init(moving source: UnsafeMutablePointer<AVPacket>, copiedStreamIndex: Int) {
        packet = av_packet_alloc()!
        av_packet_move_ref(packet, source)
        self.copiedStreamIndex = copiedStreamIndex
    }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
    }
}

/// What the reader yields, in file order.
public enum MediaEvent {
    case picture(DecodedPicture)
    case packet(CopiedPacket)
}

/// Describes the video stream to the writer, so it can encode with the same geometry, timing,
/// colour and orientation.
public struct VideoStreamInfo {
    public let width: Int
    public let height: Int
    /// Rational time base of the timestamps in `DecodedPicture.pts`.
    public let timeBase: AVRational
    /// Nominal frame rate (for the encoder's rate control and the container's header).
    public let frameRate: AVRational
    /// Total duration in seconds, when the container knows it.
    public let duration: Double?
    /// Frame count, when the container knows it or the duration and rate give it.
    public let estimatedFrameCount: Int?
    /// The stream's side data (display matrix and friends), copied to the output stream.
    let sideData: [(AVPacketSideDataType, [UInt8])]
    /// Rotation in degrees from the display matrix (0 when upright).
    public let rotation: Double
    public let codecName: String
    public let pixelFormat: AVPixelFormat
    /// Colour tags of the stream (resolved: nothing unspecified), written to the output.
    public let colorTags: ColorTags

    /// A description for frames made in memory (benchmarks, tests): yuv420p, BT.601, limited range.
    public static func synthetic(width: Int, height: Int, fps: Int32, frames: Int) -> VideoStreamInfo {
        VideoStreamInfo(width: width, height: height, timeBase: AVRational(num: 1, den: fps), frameRate: AVRational(num: fps, den: 1),
                        duration: Double(frames) / Double(fps), estimatedFrameCount: frames, sideData: [], rotation: 0,
                        codecName: "synthetic", pixelFormat: AV_PIX_FMT_YUV420P,
                        colorTags: ColorTags(range: AVCOL_RANGE_MPEG, space: AVCOL_SPC_SMPTE170M, primaries: AVCOL_PRI_SMPTE170M,
                                             transfer: AVCOL_TRC_SMPTE170M, height: Int32(height), format: AV_PIX_FMT_YUV420P))
    }

    /// A live source: microsecond timestamps (capture clock), BT.601 limited-range YUV 4:2:0 out.
    public static func live(width: Int, height: Int, fps: Double) -> VideoStreamInfo {
        let rate = AVRational(num: Int32((fps * 1000).rounded()), den: 1000)
        return VideoStreamInfo(width: width, height: height, timeBase: AVRational(num: 1, den: 1_000_000), frameRate: rate,
                               duration: nil, estimatedFrameCount: nil, sideData: [], rotation: 0, codecName: "v4l2",
                               pixelFormat: AV_PIX_FMT_YUV420P,
                               colorTags: ColorTags(range: AVCOL_RANGE_MPEG, space: AVCOL_SPC_SMPTE170M, primaries: AVCOL_PRI_SMPTE170M,
                                                    transfer: AVCOL_TRC_SMPTE170M, height: Int32(height), format: AV_PIX_FMT_YUV420P))
    }

    /// The same stream with another picture size (an output that shows two pictures side by side).
    public func resized(width: Int, height: Int) -> VideoStreamInfo {
        VideoStreamInfo(width: width, height: height, timeBase: timeBase, frameRate: frameRate, duration: duration,
                        estimatedFrameCount: estimatedFrameCount, sideData: sideData, rotation: rotation,
                        codecName: codecName, pixelFormat: pixelFormat, colorTags: colorTags)
    }
}

/// Demuxes and decodes any input FFmpeg opens (a path, "-" for stdin, a URL). The first video
/// stream is decoded with frame threading; audio and subtitle streams are passed through as
/// packets for copying. The decoder is drained at end of stream, so no frame is lost. Corrupt
/// packets and frames are skipped and counted, not fatal.
public final class VideoReader {
    public let path: String
    public let video: VideoStreamInfo
    /// Streams passed through unchanged (audio unless dropped, subtitles), in input order.
    public private(set) var copiedStreams: [(parameters: UnsafeMutablePointer<AVCodecParameters>, timeBase: AVRational)] = []
    /// Packets or frames the decoder rejected as corrupt; they are skipped.
    public private(set) var corruptFrames = 0
    /// Whether reading stopped early because of a stop request (Ctrl-C / SIGTERM).
    public private(set) var interrupted = false
    /// Why the input ended before its end (a truncated file, a read error), for a warning: what
    /// could be read is still enhanced.
    public private(set) var endedEarly: String?

    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    private let videoIndex: Int32
    /// Video packets the container's index lists (mp4, mov), 0 when it has none.
    private var listedPackets: Int64 = 0
    private var videoPackets: Int64 = 0
    private var copiedIndexOf: [Int32: Int] = [:]
    private let packet = av_packet_alloc()!
    private let frame = av_frame_alloc()!
    private var draining = false
    private var finished = false
    private var lastPts: Int64 = Int64.min
    private var frameDuration: Int64 = 1
    private var pending: [MediaEvent] = []

    /// - Parameters:
    ///   - copyAudio: pass audio streams through (false for `--no-audio`).
    ///   - copySubtitles: pass subtitle streams through.
    ///   - singlePicture: a still picture is read: no frame threading, which has nothing to overlap
    ///     for one picture (and FFmpeg 5.1's WebP decoder aborts the process under it on some
    ///     damaged files, so WebP never gets it).
    ///   - maxPixels: pictures larger than this are refused before anything is decoded.
    public init(path: String, copyAudio: Bool = true, copySubtitles: Bool = true, singlePicture: Bool = false,
                maxPixels: Int = VideoReader.maxPixels) throws {
        self.path = path
        let url = path == "-" ? "pipe:0" : path
        var isDir: ObjCBool = false
        if path != "-", FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw MediaError.isDirectory(path: path)
        }
        av_log_set_level(sckd_av_log_quiet())

        var ctx = avformat_alloc_context()!
        // Ctrl-C interrupts blocking reads (stdin, network) so the run can finalise its output.
        ctx.pointee.interrupt_callback.callback = { _ in StopSignal.isRequested ? 1 : 0 }
        var ctxOpt: UnsafeMutablePointer<AVFormatContext>? = ctx
        var rc = avformat_open_input(&ctxOpt, url, nil, nil)
        guard rc >= 0, let opened = ctxOpt else {
            if let (w, h) = Self.y4mSize(path), max(w, h) > Self.maxSide {
                throw MediaError.unsupportedVideo(path: path, reason: "its header says \(w)x\(h), beyond the \(Self.maxSide) pixels a side sckd handles")
            }
            throw MediaError.cannotOpenInput(path: path, reason: Self.explain(rc))
        }
        ctx = opened
        format = ctx
        rc = avformat_find_stream_info(ctx, nil)
        if rc < 0 {
            avformat_close_input(&format)
            throw MediaError.cannotOpenInput(path: path, reason: Self.explain(rc))
        }
        var codec: UnsafePointer<AVCodec>?
        let vi = av_find_best_stream(ctx, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0)
        guard vi >= 0 else {
            avformat_close_input(&format)
            if vi == sckd_av_error_decoder_not_found() {
                throw MediaError.unsupportedVideo(path: path, reason: "no decoder for its video codec")
            }
            throw MediaError.noVideoStream(path: path)
        }
        videoIndex = vi
        let stream = ctx.pointee.streams[Int(vi)]!
        let par = stream.pointee.codecpar!
        guard let codec, par.pointee.width > 0, par.pointee.height > 0 else {
            avformat_close_input(&format)
            throw MediaError.unsupportedVideo(path: path, reason: "no decoder or no picture size")
        }
        let (w, h) = (par.pointee.width, par.pointee.height)
        if max(w, h) > Self.maxSide || Int(w) * Int(h) > maxPixels {
            avformat_close_input(&format)
            throw MediaError.unsupportedVideo(path: path, reason: "\(w)x\(h) is beyond what sckd handles (\(Self.maxSide) pixels a side, \(maxPixels / 1_000_000) megapixels)")
        }
        let dec = avcodec_alloc_context3(codec)!
        avcodec_parameters_to_context(dec, par)
        dec.pointee.thread_count = 0
        let stills = singlePicture || codec.pointee.id == AV_CODEC_ID_WEBP
        dec.pointee.thread_type = stills ? sckd_av_thread_slice() : sckd_av_thread_frame_and_slice()
        dec.pointee.pkt_timebase = stream.pointee.time_base
        rc = avcodec_open2(dec, codec, nil)
        if rc < 0 {
            var d: UnsafeMutablePointer<AVCodecContext>? = dec
            avcodec_free_context(&d)
            avformat_close_input(&format)
            throw MediaError.unsupportedVideo(path: path, reason: avErrorString(rc))
        }
        decoder = dec

        listedPackets = max(0, stream.pointee.nb_frames)
        (video, frameDuration) = Self.describe(stream, in: ctx, codec: codec)

        for i in 0..<Int(ctx.pointee.nb_streams) where Int32(i) != vi {
            let s = ctx.pointee.streams[i]!
            let type = s.pointee.codecpar.pointee.codec_type
            if (type == AVMEDIA_TYPE_AUDIO && copyAudio) || (type == AVMEDIA_TYPE_SUBTITLE && copySubtitles) {
                copiedIndexOf[Int32(i)] = copiedStreams.count
                copiedStreams.append((s.pointee.codecpar, s.pointee.time_base))
            } else {
                s.pointee.discard = AVDISCARD_ALL
            }
        }
    }

    /// The video stream as the writer needs it (geometry, timing, colour, side data, rotation),
    /// and one frame's duration in its time base (for pictures without a timestamp).
    static func describe(_ stream: UnsafeMutablePointer<AVStream>, in ctx: UnsafeMutablePointer<AVFormatContext>,
                         codec: UnsafePointer<AVCodec>) -> (VideoStreamInfo, Int64) {
        let par = stream.pointee.codecpar!
        let tb = stream.pointee.time_base
        var rate = av_guess_frame_rate(ctx, stream, nil)
        if rate.num <= 0 || rate.den <= 0 { rate = AVRational(num: 25, den: 1) }
        var duration: Double?
        if stream.pointee.duration > 0 && stream.pointee.duration != sckd_av_nopts_value() {
            duration = Double(stream.pointee.duration) * av_q2d(tb)
        } else if ctx.pointee.duration > 0 && ctx.pointee.duration != sckd_av_nopts_value() {
            duration = Double(ctx.pointee.duration) / Double(sckd_av_time_base())
        }
        var frames: Int? = stream.pointee.nb_frames > 0 ? Int(stream.pointee.nb_frames) : nil
        if frames == nil, let d = duration { frames = Int((d * av_q2d(rate)).rounded()) }
        var side: [(AVPacketSideDataType, [UInt8])] = []
        for i in 0..<Int(stream.pointee.nb_side_data) {
            let sd = stream.pointee.side_data[i]
            side.append((sd.type, Array(UnsafeBufferPointer(start: sd.data, count: Int(sd.size)))))
        }
        var size = 0
        let matrix = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size)
        let rotation = size >= 36 ? sckd_av_display_rotation(matrix) : 0
        let info = VideoStreamInfo(width: Int(par.pointee.width), height: Int(par.pointee.height), timeBase: tb,
                                   frameRate: rate, duration: duration, estimatedFrameCount: frames, sideData: side,
                                   rotation: rotation, codecName: String(cString: codec.pointee.name),
                                   pixelFormat: AVPixelFormat(par.pointee.format), colorTags: ColorTags(parameters: par))
        return (info, max(1, av_rescale_q(1, av_inv_q(rate), tb)))
    }

    deinit {
        var d = decoder
        avcodec_free_context(&d)
        avformat_close_input(&format)
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
    }

    /// The next picture or copied packet, or nil at the end (decoder drained). Stops early, as if
    /// at the end, once a stop has been requested (Ctrl-C).
    public func next() throws -> MediaEvent? {
        while true {
            if !pending.isEmpty { return pending.removeFirst() }
            if finished { return nil }
            if let picture = try receivePicture() { return .picture(picture) }
            if draining { finished = true; continue }
            if StopSignal.isRequested { interrupted = true; startDraining(); continue }
            let rc = av_read_frame(format, packet)
            if rc < 0 {
                if StopSignal.isRequested {
                    interrupted = true
                } else if rc != sckd_av_error_eof() {
                    endedEarly = "reading stopped at an error after \(videoPackets) frames: \(avErrorString(rc))"
                } else if videoPackets < listedPackets {
                    endedEarly = "only \(videoPackets) of the \(listedPackets) frames its index lists are in the file (is it truncated?)"
                }
                // End of file, or a read error after some good data (a truncated file): either
                // way decode what we have.
                startDraining()
                continue
            }
            defer { av_packet_unref(packet) }
            if packet.pointee.stream_index == videoIndex {
                videoPackets += 1
                let s = avcodec_send_packet(decoder, packet)
                if s < 0 && s != sckd_av_error_eagain() {
                    if s == sckd_av_error_invaliddata() || (packet.pointee.flags & sckd_av_pkt_flag_corrupt()) != 0 {
                        corruptFrames += 1
                        continue
                    }
                    throw MediaError.decodeFailed(path: path, reason: avErrorString(s))
                }
            } else if let ci = copiedIndexOf[packet.pointee.stream_index] {
                return .packet(CopiedPacket(moving: packet, copiedStreamIndex: ci))
            }
        }
    }

    /// Starts reading at the last video keyframe at or before `pts` (in the video's time base),
    /// before the first `next()`. Containers with an index (mp4, mkv) land exactly there; without
    /// one FFmpeg may land earlier, so callers still check the timestamps they get.
    public func seekVideo(toKeyframeAtOrBefore pts: Int64) throws {
        precondition(lastPts == Int64.min, "seek before reading")
        let rc = av_seek_frame(format, videoIndex, pts, sckd_avseek_flag_backward())
        if rc < 0 { throw MediaError.decodeFailed(path: path, reason: "cannot seek to \(pts): \(avErrorString(rc))") }
        // The index no longer counts what is read from here.
        listedPackets = 0
    }

    private func startDraining() {
        draining = true
        avcodec_send_packet(decoder, nil)  // the NULL packet: flush every delayed frame
    }

    private func receivePicture() throws -> DecodedPicture? {
        while true {
            let rc = avcodec_receive_frame(decoder, frame)
            if rc == sckd_av_error_eagain() || rc == sckd_av_error_eof() { return nil }
            if rc < 0 {
                if rc == sckd_av_error_invaliddata() { corruptFrames += 1; continue }
                throw MediaError.decodeFailed(path: path, reason: avErrorString(rc))
            }
            if frame.pointee.decode_error_flags != 0 || (frame.pointee.flags & sckd_av_frame_flag_corrupt()) != 0 {
                corruptFrames += 1
                av_frame_unref(frame)
                continue
            }
            var pts = frame.pointee.best_effort_timestamp
            if pts == sckd_av_nopts_value() { pts = lastPts == Int64.min ? 0 : lastPts + frameDuration }
            // Encoders need strictly increasing timestamps; a repeated one is nudged forward.
            if pts <= lastPts { pts = lastPts + 1 }
            lastPts = pts
            return DecodedPicture(moving: frame, pts: pts, streamTags: video.colorTags)
        }
    }

    /// Larger pictures than 16K a side, or than 16K x 8K, are not what people enhance, and their
    /// float buffers would not fit in memory (a 200-byte file can claim them).
    static let maxSide: Int32 = 16384
    public static let maxPixels = 16384 * 8192

    /// The size a YUV4MPEG2 header claims, read by hand: FFmpeg refuses absurd ones with an
    /// unrelated errno.
    static func y4mSize(_ path: String) -> (Int32, Int32)? {
        guard path != "-", let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 256), let text = String(data: head, encoding: .ascii),
              text.hasPrefix("YUV4MPEG2 ") else { return nil }
        let fields = text.prefix { $0 != "\n" }.split(separator: " ")
        func value(_ tag: Character) -> Int32? { fields.first { $0.first == tag }.flatMap { Int32($0.dropFirst()) } }
        guard let w = value("W"), let h = value("H") else { return nil }
        return (w, h)
    }

    static func explain(_ rc: Int32) -> String {
        if rc == sckd_av_error_invaliddata() { return "not a media file FFmpeg can read, or the file is damaged" }
        return avErrorString(rc)
    }
}
