import CFFmpeg
import Foundation

/// Muxes already-encoded streams into a file without re-encoding them (joining enhanced parts,
/// with the source's audio copied once). Follows `OutputFile`'s policy: a regular file appears
/// under its name only when `finish` succeeds.
public final class StreamCopyWriter {
    public let output: OutputFile
    /// Things worth telling the user (a stream the container cannot hold).
    public private(set) var notes: [String] = []
    public private(set) var bytesWritten: Int64 = 0
    private var muxer: UnsafeMutablePointer<AVFormatContext>?
    /// Per added stream: the output stream index (nil: not copied) and the time base its packets come in.
    private var outIndex: [Int32?] = []
    private var inTimeBase: [TimeBase] = []
    private var headerWritten = false
    private var closed = false

    /// - Parameters:
    ///   - streams: what to copy, in output order; the first should be the video.
    ///   - metadata: global tags for the container.
    public init(output: OutputFile, container: String?, streams: [StreamDescription], metadata: [String: String] = [:]) throws {
        self.output = output
        av_log_set_level(sckd_av_log_quiet())
        let ofmt = try VideoWriter.outputFormat(container: container, output: output)
        let formatName = String(cString: ofmt.pointee.name)
        var oc: UnsafeMutablePointer<AVFormatContext>?
        let rc = avformat_alloc_output_context2(&oc, ofmt, nil, output.writePath)
        guard rc >= 0, let oc else { throw MediaError.cannotOpenOutput(path: output.path, reason: avErrorString(rc)) }
        muxer = oc
        for s in streams {
            inTimeBase.append(s.timeBase)
            let name = String(cString: avcodec_get_name(s.parameters.pointee.codec_id))
            if !VideoWriter.container(ofmt, holds: s.parameters) {
                if s.isVideo {
                    MuxerClosing.discard(&muxer)
                    throw MediaError.cannotOpenOutput(path: output.path, reason: "the \(formatName) container cannot hold \(name) video")
                }
                notes.append("\(formatName) cannot hold the \(name) stream: not copied")
                outIndex.append(nil)
                continue
            }
            let st = avformat_new_stream(oc, nil)!
            avcodec_parameters_copy(st.pointee.codecpar, s.parameters)
            st.pointee.codecpar.pointee.codec_tag = 0
            st.pointee.time_base = s.timeBase.rational
            for (type, bytes) in s.sideData {
                if let dst = av_stream_new_side_data(st, type, bytes.count) {
                    bytes.withUnsafeBufferPointer { dst.update(from: $0.baseAddress!, count: bytes.count) }
                }
            }
            outIndex.append(st.pointee.index)
        }
        for (key, value) in metadata { av_dict_set(&oc.pointee.metadata, key, value, 0) }
        if (ofmt.pointee.flags & sckd_av_fmt_nofile()) == 0 {
            let orc = avio_open(&oc.pointee.pb, output.writePath, AVIO_FLAG_WRITE)
            if orc < 0 {
                MuxerClosing.discard(&muxer)
                throw MediaError.cannotOpenOutput(path: output.path, reason: avErrorString(orc))
            }
        }
        var opts: OpaquePointer?
        if output.isPipe && (formatName.contains("mp4") || formatName.contains("mov")) {
            av_dict_set(&opts, "movflags", "frag_keyframe+empty_moov+default_base_moof", 0)
        }
        let hrc = avformat_write_header(oc, &opts)
        av_dict_free(&opts)
        if hrc < 0 {
            abort()
            throw MediaError.cannotOpenOutput(path: output.path, reason: avErrorString(hrc))
        }
        headerWritten = true
    }

    deinit { if !closed { abort() } }

    /// Muxes `packet` as stream `stream` (an index into the `streams` given at init), its
    /// timestamps rescaled from that stream's time base. Packets of streams not copied are dropped.
    public func write(_ packet: DemuxedPacket, stream: Int) throws {
        guard let out = outIndex[stream], let m = muxer else { return }
        let st = m.pointee.streams[Int(out)]!
        av_packet_rescale_ts(packet.packet, inTimeBase[stream].rational, st.pointee.time_base)
        packet.packet.pointee.stream_index = out
        packet.packet.pointee.pos = -1
        let rc = av_interleaved_write_frame(m, packet.packet)
        if rc < 0 { throw writeError(rc) }
    }

    /// Writes the trailer, closes the file and moves it into place.
    public func finish() throws {
        do {
            bytesWritten = try MuxerClosing.finish(&muxer, failure: writeError)
            closed = true
            try output.commit()
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
        output.discard()
    }

    private func writeError(_ rc: Int32) -> MediaError {
        if output.isPipe && isBrokenPipe(rc) { return .outputPipeClosed }
        return .writeFailed(path: output.path, reason: avErrorString(rc))
    }
}
