import CFFmpeg
import Foundation

/// A stream's clock: its timestamps count units of `num / den` seconds.
public struct TimeBase: Equatable, Sendable {
    public let num: Int32
    public let den: Int32
    public init(num: Int32, den: Int32) {
        self.num = num
        self.den = den
    }
    init(_ r: AVRational) { self.init(num: r.num, den: r.den) }
    var rational: AVRational { AVRational(num: num, den: den) }
    /// The length of one unit.
    public var seconds: Double { Double(num) / Double(den) }

    /// `value` counted in this clock's units, in `other`'s (rounded to the nearest).
    public func rescale(_ value: Int64, to other: TimeBase) -> Int64 { av_rescale_q(value, rational, other.rational) }

    /// Whether `a` (in this clock) is at or before `b` (in `other`), exactly.
    public func isAtOrBefore(_ a: Int64, _ b: Int64, in other: TimeBase) -> Bool {
        av_compare_ts(a, rational, b, other.rational) <= 0
    }
}

/// One stream of a demuxed file, as a stream copy needs it.
public struct StreamDescription {
    public let index: Int
    public let mediaType: AVMediaType
    /// Borrowed from the demuxer: valid while it is open.
    public let parameters: UnsafeMutablePointer<AVCodecParameters>
    public let timeBase: TimeBase
    /// Stream side data (display matrix and friends).
    public let sideData: [(AVPacketSideDataType, [UInt8])]
    public var isVideo: Bool { mediaType == AVMEDIA_TYPE_VIDEO }
    public var isCopiable: Bool { mediaType == AVMEDIA_TYPE_AUDIO || mediaType == AVMEDIA_TYPE_SUBTITLE }

    /// Whether this stream's packets can follow `other`'s in one stream without re-encoding: the
    /// same codec, picture and decoder set-up (x264 with the same settings writes the same headers).
    public func isCodedLike(_ other: StreamDescription) -> Bool {
        let x = parameters.pointee, y = other.parameters.pointee
        guard x.codec_id == y.codec_id, x.width == y.width, x.height == y.height, x.format == y.format,
              x.extradata_size == y.extradata_size else { return false }
        return x.extradata_size == 0 || memcmp(x.extradata, y.extradata, Int(x.extradata_size)) == 0
    }
}

/// A compressed packet, owned; timestamps in its stream's time base.
public final class DemuxedPacket: @unchecked Sendable {
    let packet: UnsafeMutablePointer<AVPacket>

    init(moving source: UnsafeMutablePointer<AVPacket>) {
        packet = av_packet_alloc()!
        av_packet_move_ref(packet, source)
    }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
    }

    public var streamIndex: Int { Int(packet.pointee.stream_index) }
    public var pts: Int64? { packet.pointee.pts == sckd_av_nopts_value() ? nil : packet.pointee.pts }
    public var dts: Int64? { packet.pointee.dts == sckd_av_nopts_value() ? nil : packet.pointee.dts }
    public var isKeyframe: Bool { (packet.pointee.flags & sckd_av_pkt_flag_key()) != 0 }
    /// Packets a demuxer marks to be decoded but not shown (the frames an mp4 edit list cuts).
    public var isDiscarded: Bool { (packet.pointee.flags & sckd_av_pkt_flag_discard()) != 0 }

    /// How long the packet shows, 0 when the container does not say.
    public var duration: Int64 { packet.pointee.duration }

    /// Sets the decoding timestamp (Matroska keeps none: the demuxer infers it, except for the
    /// first few packets of a stream whose frames are reordered).
    public func setDts(_ dts: Int64) { packet.pointee.dts = dts }

    /// Moves both timestamps by `offset` (in the stream's time base).
    public func shift(by offset: Int64) {
        if offset == 0 { return }
        if packet.pointee.pts != sckd_av_nopts_value() { packet.pointee.pts += offset }
        if packet.pointee.dts != sckd_av_nopts_value() { packet.pointee.dts += offset }
    }
}

/// Reads a file's packets without decoding them: fast enough to index hours of footage in
/// seconds, for planning segments, checking parts and joining them by stream copy.
public final class PacketDemuxer {
    public let path: String
    public let streams: [StreamDescription]
    /// The first video stream's index in `streams`, nil when the file has none.
    public let videoIndex: Int?
    /// The container's global tags, names in lower case.
    public let metadata: [String: String]
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private let packet = av_packet_alloc()!

    public init(path: String) throws {
        self.path = path
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw MediaError.isDirectory(path: path)
        }
        av_log_set_level(sckd_av_log_quiet())
        var ctx: UnsafeMutablePointer<AVFormatContext>?
        var rc = avformat_open_input(&ctx, path, nil, nil)
        guard rc >= 0, let ctx else { throw MediaError.cannotOpenInput(path: path, reason: VideoReader.explain(rc)) }
        format = ctx
        rc = avformat_find_stream_info(ctx, nil)
        if rc < 0 {
            avformat_close_input(&format)
            throw MediaError.cannotOpenInput(path: path, reason: VideoReader.explain(rc))
        }
        var found: [StreamDescription] = []
        for i in 0..<Int(ctx.pointee.nb_streams) {
            let s = ctx.pointee.streams[i]!
            var side: [(AVPacketSideDataType, [UInt8])] = []
            for j in 0..<Int(s.pointee.nb_side_data) {
                let sd = s.pointee.side_data[j]
                side.append((sd.type, Array(UnsafeBufferPointer(start: sd.data, count: Int(sd.size)))))
            }
            found.append(StreamDescription(index: i, mediaType: s.pointee.codecpar.pointee.codec_type,
                                           parameters: s.pointee.codecpar, timeBase: TimeBase(s.pointee.time_base), sideData: side))
        }
        streams = found
        videoIndex = found.first(where: \.isVideo)?.index
        metadata = Self.dictionary(ctx.pointee.metadata)
    }

    deinit {
        avformat_close_input(&format)
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
    }

    /// The next packet of any stream, in file order; nil at the end. A read error after good data
    /// ends the file like its end would (the caller checks what it got).
    public func nextPacket() -> DemuxedPacket? {
        let rc = av_read_frame(format, packet)
        if rc < 0 { return nil }
        return DemuxedPacket(moving: packet)
    }

    /// Positions reading at the last keyframe of the video stream at or before `pts`.
    public func seekVideo(toKeyframeAtOrBefore pts: Int64) throws {
        guard let v = videoIndex else { throw MediaError.noVideoStream(path: path) }
        let rc = av_seek_frame(format, Int32(v), pts, sckd_avseek_flag_backward())
        if rc < 0 { throw MediaError.decodeFailed(path: path, reason: "cannot seek: \(avErrorString(rc))") }
    }

    static func dictionary(_ d: OpaquePointer?) -> [String: String] {
        var out: [String: String] = [:]
        var entry: UnsafeMutablePointer<AVDictionaryEntry>?
        while true {
            entry = av_dict_get(d, "", entry, AV_DICT_IGNORE_SUFFIX)
            guard let e = entry else { break }
            // Matroska stores tag names in capitals; FFmpeg's own lookups ignore case.
            out[String(cString: e.pointee.key).lowercased()] = String(cString: e.pointee.value)
        }
        return out
    }
}

/// What indexing a video stream's packets finds: each shown frame's timestamp, and which start a
/// group that decodes on its own.
public struct VideoPacketIndex {
    public struct Entry: Equatable {
        public let pts: Int64
        public let isKeyframe: Bool
        public init(pts: Int64, isKeyframe: Bool) {
            self.pts = pts
            self.isKeyframe = isKeyframe
        }
    }

    /// In decode (file) order.
    public let entries: [Entry]
    public let timeBase: TimeBase
    /// Packets without a timestamp (a stream that has them cannot be split by time).
    public let packetsWithoutTimestamp: Int

    public init(entries: [Entry], timeBase: TimeBase, packetsWithoutTimestamp: Int) {
        self.entries = entries
        self.timeBase = timeBase
        self.packetsWithoutTimestamp = packetsWithoutTimestamp
    }

    /// Reads every packet of `demuxer`'s video stream (from where it stands to the end).
    public init(reading demuxer: PacketDemuxer) throws {
        guard let v = demuxer.videoIndex else { throw MediaError.noVideoStream(path: demuxer.path) }
        var entries: [Entry] = []
        var missing = 0
        while let p = demuxer.nextPacket() {
            guard p.streamIndex == v, !p.isDiscarded else { continue }
            guard let pts = p.pts else { missing += 1; continue }
            entries.append(Entry(pts: pts, isKeyframe: p.isKeyframe))
        }
        self.init(entries: entries, timeBase: demuxer.streams[v].timeBase, packetsWithoutTimestamp: missing)
    }
}
