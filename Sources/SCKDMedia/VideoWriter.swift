import CFFmpeg
import Foundation
import SCKDCore

/// How to encode: `--codec`, `--crf`, `--preset`, `-f`.
public struct EncoderSettings: Sendable {
    /// Encoder name; nil: libx264 where the container takes H.264, else the container's default.
    public var codec: String?
    /// Constant rate factor for encoders that have one (x264, x265, vpx, …); nil: the default 18.
    public var crf: Int?
    public var preset: String
    /// Container name (`-f`); nil: guessed from the output name.
    public var container: String?

    public init(codec: String? = nil, crf: Int? = nil, preset: String = "veryfast", container: String? = nil) {
        self.codec = codec
        self.crf = crf
        self.preset = preset
        self.container = container
    }
}

/// Encodes planar float RGB frames and muxes them, with the copied audio/subtitle packets, into a
/// file or a pipe. Geometry, timestamps (variable frame rate stays variable), colour tags and
/// display-matrix side data follow the source. The encoder is opened at the first frame; the
/// output file is opened (and so checked) at once.
public final class VideoWriter {
    public let output: OutputFile
    public let settings: EncoderSettings
    public let video: VideoStreamInfo
    /// The encoded picture size: the source size, padded up to what the pixel format's chroma
    /// subsampling requires (853x479 becomes 854x480 for 4:2:0, edges replicated).
    public let encodedWidth: Int
    public let encodedHeight: Int
    public let pixelFormat: AVPixelFormat
    /// The encoder in use.
    public let codecName: String
    /// Things worth telling the user (a stream not copied, padding, an option the codec lacks).
    public private(set) var notes: [String] = []
    public private(set) var framesWritten = 0
    public private(set) var bytesWritten: Int64 = 0

    private var muxer: UnsafeMutablePointer<AVFormatContext>?
    private let codec: UnsafePointer<AVCodec>
    private var encoder: UnsafeMutablePointer<AVCodecContext>?
    private var videoStream: UnsafeMutablePointer<AVStream>?
    private var copiedOut: [Int32?] = []
    private var copiedTimeBase: [AVRational] = []
    private var converter: EncoderInputConverter?
    private var headerWritten = false
    private var earlyPackets: [CopiedPacket] = []
    private let outPacket = av_packet_alloc()!
    private var lastEncoderPts = Int64.min
    private var closed = false
    /// False for muxers that write nothing (`-f null`: the pipeline without the cost of a file).
    private var writesFile = true

    /// - Parameter metadata: global tags for the container (where it keeps them).
    public init(output: OutputFile, settings: EncoderSettings, video: VideoStreamInfo,
                copiedStreams: [(parameters: UnsafeMutablePointer<AVCodecParameters>, timeBase: AVRational)],
                metadata: [String: String] = [:]) throws {
        self.output = output
        self.settings = settings
        self.video = video
        av_log_set_level(sckd_av_log_quiet())  // errors are ours to report, in one line
        let ofmt = try Self.outputFormat(container: settings.container, output: output)
        let formatName = String(cString: ofmt.pointee.name)
        let codec = try Self.chooseEncoder(settings.codec, for: ofmt)
        self.codec = codec
        codecName = String(cString: codec.pointee.name)
        // y4m does not say what it holds (the query is "unknown"); it holds raw pictures only.
        let holds = avformat_query_codec(ofmt, codec.pointee.id, FF_COMPLIANCE_NORMAL)
        let rawOnly = formatName == "yuv4mpegpipe" && ![AV_CODEC_ID_RAWVIDEO, AV_CODEC_ID_WRAPPED_AVFRAME].contains(codec.pointee.id)
        if holds == 0 || (holds < 0 && rawOnly) {
            throw MediaError.cannotOpenOutput(path: output.path, reason: "the \(formatName) container cannot hold \(codecName) video")
        }

        // Pixel format: the source's if the encoder takes it (no needless conversion), else the
        // closest one the encoder offers.
        var chosen = video.pixelFormat
        if let list = sckd_av_codec_pix_fmts(codec) {
            var formats: [AVPixelFormat] = []
            var i = 0
            while list[i] != AV_PIX_FMT_NONE { formats.append(list[i]); i += 1 }
            if !formats.contains(chosen) {
                chosen = avcodec_find_best_pix_fmt_of_list(list, video.pixelFormat, 0, nil)
            }
        }
        if chosen == AV_PIX_FMT_NONE { chosen = AV_PIX_FMT_YUV420P }
        pixelFormat = chosen
        let cw = 1 << Int(sckd_av_pix_fmt_log2_chroma_w(chosen)), ch = 1 << Int(sckd_av_pix_fmt_log2_chroma_h(chosen))
        if (video.width % cw != 0 || video.height % ch != 0)
            && !Self.encoderAccepts(codec, width: video.width, height: video.height, format: chosen, video: video) {
            encodedWidth = (video.width + cw - 1) / cw * cw
            encodedHeight = (video.height + ch - 1) / ch * ch
            notes.append("\(codecName) with \(String(cString: av_get_pix_fmt_name(chosen))) needs even sizes: \(video.width)x\(video.height) is encoded as \(encodedWidth)x\(encodedHeight), edges replicated")
        } else {
            encodedWidth = video.width
            encodedHeight = video.height
        }

        var oc: UnsafeMutablePointer<AVFormatContext>?
        let rc = avformat_alloc_output_context2(&oc, ofmt, nil, output.writePath)
        guard rc >= 0, let oc else { throw MediaError.cannotOpenOutput(path: output.path, reason: avErrorString(rc)) }
        muxer = oc
        // The video stream comes first (players and tools expect it at index 0); its parameters
        // are filled in when the encoder opens.
        videoStream = avformat_new_stream(oc, nil)

        for (parameters, timeBase) in copiedStreams {
            let id = parameters.pointee.codec_id
            let name = String(cString: avcodec_get_name(id))
            if !Self.container(ofmt, holds: parameters) {
                notes.append("\(formatName) cannot hold the \(name) stream: not copied")
                copiedOut.append(nil)
                copiedTimeBase.append(timeBase)
                continue
            }
            let st = avformat_new_stream(oc, nil)!
            avcodec_parameters_copy(st.pointee.codecpar, parameters)
            st.pointee.codecpar.pointee.codec_tag = 0
            st.pointee.time_base = timeBase
            copiedOut.append(st.pointee.index)
            copiedTimeBase.append(timeBase)
        }

        for (key, value) in metadata { av_dict_set(&oc.pointee.metadata, key, value, 0) }
        writesFile = (ofmt.pointee.flags & sckd_av_fmt_nofile()) == 0
        if writesFile {
            let orc = avio_open(&oc.pointee.pb, output.writePath, AVIO_FLAG_WRITE)
            if orc < 0 {
                avformat_free_context(oc)
                muxer = nil
                throw MediaError.cannotOpenOutput(path: output.path, reason: avErrorString(orc))
            }
        }
    }

    deinit {
        if !closed { abort() }
        var p: UnsafeMutablePointer<AVPacket>? = outPacket
        av_packet_free(&p)
    }

    /// Encodes one picture with its presentation timestamp (in `video.timeBase`).
    public func write(_ image: PlanarImage, pts: Int64) throws {
        if converter == nil { converter = makeConverter() }
        try write(converter!.encoderFrame(image), pts: pts)
    }

    /// A converter from enhanced pictures to this encoder's input (pixel format, padding, tags),
    /// for a worker thread: each thread takes its own, and `write(_:pts:)` stays on the muxing one.
    public func makeConverter() -> EncoderInputConverter {
        EncoderInputConverter(RGBToPicture(width: encodedWidth, height: encodedHeight, format: pixelFormat, tags: video.colorTags),
                              width: encodedWidth, height: encodedHeight)
    }

    /// Encodes a converted frame with its presentation timestamp (in `video.timeBase`).
    public func write(_ input: EncoderFrame, pts: Int64) throws {
        if encoder == nil { try openEncoder() }
        let frame = input.frame
        var p = av_rescale_q(pts, video.timeBase, encoder!.pointee.time_base)
        if p <= lastEncoderPts { p = lastEncoderPts + 1 }
        lastEncoderPts = p
        frame.pointee.pts = p
        try encode(frame)
        framesWritten += 1
    }

    /// Muxes a packet of a copied stream unchanged (timestamps rescaled to the output stream).
    public func write(_ packet: CopiedPacket) throws {
        guard packet.copiedStreamIndex < copiedOut.count, let outIndex = copiedOut[packet.copiedStreamIndex] else { return }
        guard headerWritten else {
            earlyPackets.append(packet)
            return
        }
        let st = muxer!.pointee.streams[Int(outIndex)]!
        av_packet_rescale_ts(packet.packet, copiedTimeBase[packet.copiedStreamIndex], st.pointee.time_base)
        packet.packet.pointee.stream_index = outIndex
        packet.packet.pointee.pos = -1
        try mux(packet.packet)
    }

    /// Flushes the encoder, writes the trailer, closes the file and moves it into place.
    public func finish() throws {
        do {
            if encoder == nil { try openEncoder() }
            try encode(nil)
            bytesWritten = try MuxerClosing.finish(&muxer, failure: writeError)
            var e = encoder
            avcodec_free_context(&e)
            encoder = nil
            closed = true
            if writesFile { try output.commit() }
        } catch {
            abort()
            throw error
        }
    }

    /// Closes everything and removes the temporary file: the destination keeps what it had.
    public func abort() {
        guard !closed else { return }
        closed = true
        MuxerClosing.discard(&muxer)
        var e = encoder
        avcodec_free_context(&e)
        encoder = nil
        output.discard()
    }

    /// The muxer `-f` names (a muxer name such as matroska, or a file extension such as mkv), else
    /// the one the output's name implies.
    static func outputFormat(container: String?, output: OutputFile) throws -> UnsafePointer<AVOutputFormat> {
        if let name = container {
            guard let f = av_guess_format(name, nil, nil) ?? av_guess_format(nil, "x.\(name)", nil) else {
                throw MediaError.unknownContainer(name: name)
            }
            return f
        }
        if output.isPipe { throw MediaError.cannotGuessContainer(path: output.path) }
        guard let f = av_guess_format(nil, output.path, nil) else { throw MediaError.cannotGuessContainer(path: output.path) }
        return f
    }

    /// Whether the muxer can take this copied stream. Muxers that do not say (query < 0) are
    /// trusted only for the media types they have a default codec for (y4m has none for audio).
    static func container(_ ofmt: UnsafePointer<AVOutputFormat>, holds p: UnsafePointer<AVCodecParameters>) -> Bool {
        let q = avformat_query_codec(ofmt, p.pointee.codec_id, FF_COMPLIANCE_NORMAL)
        if q >= 0 { return q == 1 }
        switch p.pointee.codec_type {
        case AVMEDIA_TYPE_AUDIO: return ofmt.pointee.audio_codec != AV_CODEC_ID_NONE
        case AVMEDIA_TYPE_SUBTITLE: return ofmt.pointee.subtitle_codec != AV_CODEC_ID_NONE
        default: return false
        }
    }

    /// The named encoder, or the default for the container: libx264 where H.264 fits, else the
    /// muxer's own default (y4m takes raw frames as wrapped_avframe in FFmpeg 5).
    static func chooseEncoder(_ name: String?, for ofmt: UnsafePointer<AVOutputFormat>) throws -> UnsafePointer<AVCodec> {
        let isY4M = String(cString: ofmt.pointee.name) == "yuv4mpegpipe"
        if var name {
            if name == "rawvideo" && isY4M { name = "wrapped_avframe" }
            guard let c = avcodec_find_encoder_by_name(name) else { throw MediaError.unknownCodec(name: name) }
            guard c.pointee.type == AVMEDIA_TYPE_VIDEO else { throw MediaError.notAVideoEncoder(name: name) }
            return c
        }
        if avformat_query_codec(ofmt, AV_CODEC_ID_H264, FF_COMPLIANCE_NORMAL) == 1, let c = avcodec_find_encoder_by_name("libx264") {
            return c
        }
        if let c = avcodec_find_encoder(ofmt.pointee.video_codec) { return c }
        throw MediaError.unknownCodec(name: "default for \(String(cString: ofmt.pointee.name))")
    }

    /// Whether the encoder opens at this exact size (FFV1 and rawvideo take odd 4:2:0; x264 does not).
    static func encoderAccepts(_ codec: UnsafePointer<AVCodec>, width: Int, height: Int, format: AVPixelFormat,
                               video: VideoStreamInfo) -> Bool {
        var probe = avcodec_alloc_context3(codec)
        defer { avcodec_free_context(&probe) }
        guard let enc = probe else { return false }
        enc.pointee.width = Int32(width)
        enc.pointee.height = Int32(height)
        enc.pointee.pix_fmt = format
        enc.pointee.time_base = av_inv_q(video.frameRate)
        enc.pointee.framerate = video.frameRate
        return avcodec_open2(enc, codec, nil) >= 0
    }

    private func openEncoder() throws {
        let enc = avcodec_alloc_context3(codec)!
        encoder = enc
        enc.pointee.width = Int32(encodedWidth)
        enc.pointee.height = Int32(encodedHeight)
        enc.pointee.pix_fmt = pixelFormat
        enc.pointee.time_base = video.timeBase
        enc.pointee.framerate = video.frameRate
        enc.pointee.sample_aspect_ratio = AVRational(num: 0, den: 1)
        let tags = video.colorTags
        enc.pointee.color_range = tags.range
        enc.pointee.colorspace = tags.space
        enc.pointee.color_primaries = tags.primaries
        enc.pointee.color_trc = tags.transfer
        enc.pointee.thread_count = 0
        if (muxer!.pointee.oformat.pointee.flags & sckd_av_fmt_globalheader()) != 0 {
            enc.pointee.flags |= sckd_av_codec_flag_global_header()
        }
        if let priv = enc.pointee.priv_data {
            if av_opt_find(priv, "crf", nil, 0, 0) != nil {
                av_opt_set(priv, "crf", String(settings.crf ?? 18), 0)
                if codec.pointee.id == AV_CODEC_ID_VP9 || codec.pointee.id == AV_CODEC_ID_VP8 { enc.pointee.bit_rate = 0 }
            } else if settings.crf != nil {
                notes.append("\(codecName) has no --crf; ignored")
            }
            if av_opt_find(priv, "preset", nil, 0, 0) != nil {
                if av_opt_set(priv, "preset", settings.preset, 0) < 0 {
                    throw MediaError.encoderFailed(codec: codecName, reason: "unknown preset '\(settings.preset)'")
                }
            }
        }
        var rc = avcodec_open2(enc, codec, nil)
        if rc < 0, video.timeBase.den > 65535 || video.timeBase.num != 1 {
            // Some encoders (mpeg4, …) limit the time base: fall back to 1/fps ticks.
            enc.pointee.time_base = av_inv_q(video.frameRate)
            rc = avcodec_open2(enc, codec, nil)
        }
        if rc < 0 { throw MediaError.encoderFailed(codec: codecName, reason: avErrorString(rc)) }

        let st = videoStream!
        avcodec_parameters_from_context(st.pointee.codecpar, enc)
        st.pointee.time_base = enc.pointee.time_base
        st.pointee.avg_frame_rate = video.frameRate
        for (type, bytes) in video.sideData {
            if let dst = av_stream_new_side_data(st, type, bytes.count) {
                bytes.withUnsafeBufferPointer { dst.update(from: $0.baseAddress!, count: bytes.count) }
            }
        }

        var opts: OpaquePointer?
        let fmtName = String(cString: muxer!.pointee.oformat.pointee.name)
        if output.isPipe && (fmtName.contains("mp4") || fmtName.contains("mov") || fmtName == "ipod" || fmtName == "ismv") {
            // A pipe cannot be seeked back to write the index: fragment instead.
            av_dict_set(&opts, "movflags", "frag_keyframe+empty_moov+default_base_moof", 0)
        }
        rc = avformat_write_header(muxer, &opts)
        av_dict_free(&opts)
        if rc < 0 { throw writeError(rc) }
        headerWritten = true
        let early = earlyPackets
        earlyPackets = []
        for p in early { try write(p) }
    }

    private func encode(_ frame: UnsafeMutablePointer<AVFrame>?) throws {
        var rc = avcodec_send_frame(encoder, frame)
        if rc < 0 && rc != sckd_av_error_eof() {
            throw MediaError.encoderFailed(codec: codecName, reason: avErrorString(rc))
        }
        while true {
            rc = avcodec_receive_packet(encoder, outPacket)
            if rc == sckd_av_error_eagain() || rc == sckd_av_error_eof() { return }
            if rc < 0 { throw MediaError.encoderFailed(codec: codecName, reason: avErrorString(rc)) }
            outPacket.pointee.stream_index = videoStream!.pointee.index
            av_packet_rescale_ts(outPacket, encoder!.pointee.time_base, videoStream!.pointee.time_base)
            try mux(outPacket)
        }
    }

    private func mux(_ packet: UnsafeMutablePointer<AVPacket>) throws {
        let rc = av_interleaved_write_frame(muxer, packet)
        if rc < 0 { throw writeError(rc) }
    }

    private func writeError(_ rc: Int32) -> MediaError {
        if output.isPipe && isBrokenPipe(rc) { return .outputPipeClosed }
        return .writeFailed(path: output.path, reason: avErrorString(rc))
    }
}

/// An AVFrame ready for the encoder (owned).
public final class EncoderFrame: @unchecked Sendable {
    let frame: UnsafeMutablePointer<AVFrame>
    init(_ frame: UnsafeMutablePointer<AVFrame>) { self.frame = frame }
    deinit {
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
    }
}

/// Enhanced picture -> encoder input, on any one thread.
public final class EncoderInputConverter {
    private let converter: RGBToPicture
    let width: Int
    let height: Int

    init(_ converter: RGBToPicture, width: Int, height: Int) {
        self.converter = converter
        self.width = width
        self.height = height
    }

    public func encoderFrame(_ image: PlanarImage) -> EncoderFrame {
        EncoderFrame(converter.convert(image.paddedByReplication(toWidth: width, height: height)))
    }
}
