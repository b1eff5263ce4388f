import CFFmpeg
import Foundation
import SCKDCore

/// Still pictures through FFmpeg's image codecs (PNG, JPEG, WebP, BMP, TIFF, …): decoded to planar
/// float RGB, written as 8-bit PNG.
public enum StillImage {
    /// The first picture of an image file, as planar float RGB in [0, 1].
    public static func read(_ path: String, maxPixels: Int = VideoReader.maxPixels) throws -> PlanarImage {
        let reader = try VideoReader(path: path, copyAudio: false, copySubtitles: false, singlePicture: true, maxPixels: maxPixels)
        while let event = try reader.next() {
            if case let .picture(p) = event {
                return PictureToRGB(width: reader.video.width, height: reader.video.height).convert(p)
            }
        }
        throw MediaError.unsupportedVideo(path: path, reason: "no picture could be decoded")
    }

    /// Writes `image` as an 8-bit RGB PNG to a destination checked beforehand.
    public static func writePNG(_ image: PlanarImage, to output: OutputFile) throws {
        try output.write(try png(image))
    }

    /// `image` as 8-bit RGB PNG bytes.
    public static func png(_ image: PlanarImage) throws -> Data {
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_PNG) else { throw MediaError.unknownCodec(name: "png") }
        var ctx = avcodec_alloc_context3(codec)
        defer { avcodec_free_context(&ctx) }
        guard let enc = ctx else { throw MediaError.encoderFailed(codec: "png", reason: "out of memory") }
        enc.pointee.width = Int32(image.width)
        enc.pointee.height = Int32(image.height)
        enc.pointee.pix_fmt = AV_PIX_FMT_RGB24
        enc.pointee.time_base = AVRational(num: 1, den: 25)
        var rc = avcodec_open2(enc, codec, nil)
        if rc < 0 { throw MediaError.encoderFailed(codec: "png", reason: avErrorString(rc)) }
        // Quantised here (round half up of v x 255), not by swscale, so that what `sckd eval`
        // scores is byte for byte what is written.
        var frame: UnsafeMutablePointer<AVFrame>? = av_frame_alloc()
        defer { av_frame_free(&frame) }
        frame!.pointee.width = Int32(image.width)
        frame!.pointee.height = Int32(image.height)
        frame!.pointee.format = AV_PIX_FMT_RGB24.rawValue
        if av_frame_get_buffer(frame, 0) < 0 { throw MediaError.encoderFailed(codec: "png", reason: "out of memory") }
        let stride = Int(frame!.pointee.linesize.0)
        let base = frame!.pointee.data.0!
        let r = image.plane(0), g = image.plane(1), b = image.plane(2)
        for y in 0..<image.height {
            let row = base + y * stride
            for x in 0..<image.width {
                let i = y * image.width + x
                row[3 * x] = quantise(r[i]); row[3 * x + 1] = quantise(g[i]); row[3 * x + 2] = quantise(b[i])
            }
        }
        frame!.pointee.pts = 0
        rc = avcodec_send_frame(enc, frame)
        if rc >= 0 { rc = avcodec_send_frame(enc, nil) }
        if rc < 0 { throw MediaError.encoderFailed(codec: "png", reason: avErrorString(rc)) }
        var packet: UnsafeMutablePointer<AVPacket>? = av_packet_alloc()
        defer { av_packet_free(&packet) }
        rc = avcodec_receive_packet(enc, packet)
        if rc < 0 { throw MediaError.encoderFailed(codec: "png", reason: avErrorString(rc)) }
        return Data(bytes: packet!.pointee.data, count: Int(packet!.pointee.size))
    }
}

/// [0, 1] -> 0...255, round half up (NaN -> 0).
@inline(__always) func quantise(_ v: Float) -> UInt8 {
    UInt8(min(255, max(0, v * 255 + 0.5)))
}
