import CFFmpeg

/// The end of a muxer's life, shared by the writers: written whole, or given up.
enum MuxerClosing {
    /// Writes the trailer, closes the file (checking that every byte reached it) and frees the
    /// muxer. Returns the bytes written; throws `failure(code)` at the first error.
    static func finish(_ muxer: inout UnsafeMutablePointer<AVFormatContext>?, failure: (Int32) -> MediaError) throws -> Int64 {
        guard let m = muxer else { return 0 }
        let rc = av_write_trailer(m)
        if rc < 0 { throw failure(rc) }
        var bytes: Int64 = 0
        if let pb = m.pointee.pb {
            bytes = avio_size(pb) > 0 ? avio_size(pb) : avio_tell(pb)
            if pb.pointee.error < 0 { throw failure(pb.pointee.error) }
            let crc = avio_closep(&m.pointee.pb)
            if crc < 0 { throw failure(crc) }
        }
        avformat_free_context(m)
        muxer = nil
        return bytes
    }

    /// Closes the file without a trailer and frees the muxer (after a failure).
    static func discard(_ muxer: inout UnsafeMutablePointer<AVFormatContext>?) {
        guard let m = muxer else { return }
        if m.pointee.pb != nil { avio_closep(&m.pointee.pb) }
        avformat_free_context(m)
        muxer = nil
    }
}
