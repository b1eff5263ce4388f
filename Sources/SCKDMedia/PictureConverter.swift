import CFFmpeg
import CSCKDMediaKernels
import SCKDCore

/// Decoded pictures (any pixel format FFmpeg decodes) to planar float RGB in [0, 1], through
/// swscale's `gbrpf32le`, honouring the source's range and matrix. One per thread: it caches
/// its swscale context for the last geometry.
public final class PictureToRGB {
    private var context: OpaquePointer?
    private var key: (Int32, Int32, Int32, ColorTags)?
    public let width: Int
    public let height: Int

    /// Pictures are delivered at `width` x `height` whatever size the decoder produces (a stream
    /// that changes size mid-way is rescaled to its first size: encoders cannot change size).
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    deinit { sws_freeContext(context) }

    public func convert(_ picture: DecodedPicture) -> PlanarImage {
        let f = picture.frame
        let tags = picture.tags
        if let exact = exactRGB(f) { return exact }
        if let fast = planarYUV8(f, tags: tags) { return fast }
        if key == nil || key!.0 != f.pointee.width || key!.1 != f.pointee.height || key!.2 != f.pointee.format || key!.3 != tags {
            context = sws_getCachedContext(context, f.pointee.width, f.pointee.height, AVPixelFormat(f.pointee.format),
                                           Int32(width), Int32(height), AV_PIX_FMT_GBRPF32LE,
                                           sckd_sws_flags_transparent(), nil, nil, nil)
            precondition(context != nil, "swscale cannot convert \(f.pointee.format) to gbrpf32le")
            sws_setColorspaceDetails(context, tags.swsCoefficients, tags.isFullRange,
                                     sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16)
            key = (f.pointee.width, f.pointee.height, f.pointee.format, tags)
        }
        let image = PlanarImage(width: width, height: height, channels: 3)
        // gbrpf32le plane order is G, B, R.
        var dst: [UnsafeMutablePointer<UInt8>?] = [image.plane(1), image.plane(2), image.plane(0), nil].map {
            $0.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: UInt8.self) }
        }
        var strides: [Int32] = [Int32(width * 4), Int32(width * 4), Int32(width * 4), 0]
        withUnsafePointer(to: f.pointee.data) { dataTuple in
            withUnsafePointer(to: f.pointee.linesize) { lsTuple in
                dataTuple.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { src in
                    lsTuple.withMemoryRebound(to: Int32.self, capacity: 8) { ls in
                        _ = sws_scale(context, src, ls, 0, f.pointee.height, &dst, &strides)
                    }
                }
            }
        }
        // swscale's float output can overshoot [0, 1] by rounding (and by out-of-range YUV).
        for i in 0..<image.count { image.data[i] = min(1, max(0, image.data[i])) }
        return image
    }
}

extension PictureToRGB {
    /// 8-bit RGB pictures (PNG, lossless WebP, BMP, …) converted exactly, v / 255: swscale's float
    /// output path goes through 15-bit intermediates and is off by a code value here and there,
    /// which would make `sckd eval` disagree with the reference metrics on 8-bit ground truths.
    func exactRGB(_ f: UnsafeMutablePointer<AVFrame>) -> PlanarImage? {
        let fmt = AVPixelFormat(f.pointee.format)
        let layouts: [AVPixelFormat: (Int, Int, Int, Int)] = [  // bytes per pixel, offsets of R, G, B
            AV_PIX_FMT_RGB24: (3, 0, 1, 2), AV_PIX_FMT_BGR24: (3, 2, 1, 0), AV_PIX_FMT_RGBA: (4, 0, 1, 2),
            AV_PIX_FMT_BGRA: (4, 2, 1, 0), AV_PIX_FMT_ARGB: (4, 1, 2, 3), AV_PIX_FMT_ABGR: (4, 3, 2, 1),
            AV_PIX_FMT_RGB0: (4, 0, 1, 2), AV_PIX_FMT_BGR0: (4, 2, 1, 0), AV_PIX_FMT_0RGB: (4, 1, 2, 3), AV_PIX_FMT_0BGR: (4, 3, 2, 1),
        ]
        guard let (bpp, ro, go, bo) = layouts[fmt], Int(f.pointee.width) == width, Int(f.pointee.height) == height,
              let base = f.pointee.data.0 else { return nil }
        let stride = Int(f.pointee.linesize.0)
        let image = PlanarImage(width: width, height: height, channels: 3)
        let r = image.plane(0), g = image.plane(1), b = image.plane(2)
        let scale: Float = 1 / 255
        for y in 0..<height {
            let row = base + y * stride
            for x in 0..<width {
                let p = row + x * bpp, i = y * width + x
                r[i] = Float(p[ro]) * scale; g[i] = Float(p[go]) * scale; b[i] = Float(p[bo]) * scale
            }
        }
        return image
    }
}

extension PictureToRGB {
    /// 8-bit planar YUV (4:2:0, 4:2:2, 4:4:4, limited or full range, any of the usual matrices) to
    /// float RGB directly: ~10x faster here than swscale's float output path, which is generic C.
    /// Chroma is taken from the co-sited sample (point sampling), as the swscale path did, so a
    /// decode -> RGB -> encode round trip stays transparent.
    func planarYUV8(_ f: UnsafeMutablePointer<AVFrame>, tags: ColorTags) -> PlanarImage? {
        guard let (sx, sy) = chromaShifts[AVPixelFormat(f.pointee.format)], Int(f.pointee.width) == width,
              Int(f.pointee.height) == height,
              let yp = f.pointee.data.0, let up = f.pointee.data.1, let vp = f.pointee.data.2 else { return nil }
        let k = YUVConstants(tags)
        let (kr, kg, kb, yOffset) = (k.kr, k.kg, k.kb, k.yOffset)
        let yScale = 1 / k.ySpan, cScale = 1 / k.cSpan
        let crR = 2 * (1 - kr) * cScale, cbB = 2 * (1 - kb) * cScale
        let crG = 2 * kr * (1 - kr) / kg * cScale, cbG = 2 * kb * (1 - kb) / kg * cScale
        let image = PlanarImage(uninitializedWidth: width, height: height, channels: 3)
        // Not clamped: YUV outside the RGB gamut (saturated edges after chroma subsampling)
        // survives a round trip; every enhancer clamps its own output.
        let status = sckd_yuv8_to_rgbf(yp, f.pointee.linesize.0, up, f.pointee.linesize.1, vp, f.pointee.linesize.2,
                                       Int32(sx), Int32(sy), Int32(width), Int32(height), yOffset, yScale, crR, crG, cbG, cbB,
                                       image.plane(0), image.plane(1), image.plane(2))
        precondition(status == 0, "out of memory converting a \(width)x\(height) picture")
        return image
    }
}

/// Planar float RGB back to an encoder's pixel format, with the same colour tags as the source.
public final class RGBToPicture {
    private var context: OpaquePointer?
    let width: Int
    let height: Int
    let format: AVPixelFormat
    let tags: ColorTags

    init(width: Int, height: Int, format: AVPixelFormat, tags: ColorTags) {
        self.width = width
        self.height = height
        self.format = format
        self.tags = tags
        context = sws_getContext(Int32(width), Int32(height), AV_PIX_FMT_GBRPF32LE, Int32(width), Int32(height), format,
                                 sckd_sws_flags_transparent(), nil, nil, nil)
        precondition(context != nil, "swscale cannot convert gbrpf32le to \(format)")
        sws_setColorspaceDetails(context, sws_getCoefficients(SWS_CS_DEFAULT), 1, tags.swsCoefficients,
                                 tags.isFullRange, 0, 1 << 16, 1 << 16)
    }

    deinit { sws_freeContext(context) }

    /// A new AVFrame (caller frees) holding `image`, which must be `width` x `height`.
    func convert(_ image: PlanarImage) -> UnsafeMutablePointer<AVFrame> {
        precondition(image.width == width && image.height == height && image.channels == 3)
        let frame = av_frame_alloc()!
        frame.pointee.width = Int32(width)
        frame.pointee.height = Int32(height)
        frame.pointee.format = format.rawValue
        frame.pointee.color_range = tags.range
        frame.pointee.colorspace = tags.space
        frame.pointee.color_primaries = tags.primaries
        frame.pointee.color_trc = tags.transfer
        precondition(av_frame_get_buffer(frame, 0) >= 0, "out of memory allocating a \(width)x\(height) frame")
        if writePlanarYUV8(image, into: frame) { return frame }
        let src: [UnsafePointer<UInt8>?] = [image.plane(1), image.plane(2), image.plane(0), nil].map {
            $0.map { UnsafePointer(UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self)) }
        }
        let strides: [Int32] = [Int32(width * 4), Int32(width * 4), Int32(width * 4), 0]
        withUnsafeMutablePointer(to: &frame.pointee.data) { dataTuple in
            withUnsafeMutablePointer(to: &frame.pointee.linesize) { lsTuple in
                dataTuple.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { dst in
                    lsTuple.withMemoryRebound(to: Int32.self, capacity: 8) { ls in
                        _ = sws_scale(context, src, strides, 0, Int32(height), dst, ls)
                    }
                }
            }
        }
        return frame
    }
}

/// The 8-bit planar YUV formats the direct C paths convert, with their chroma subsampling (log2
/// of the horizontal and vertical factors).
let chromaShifts: [AVPixelFormat: (Int, Int)] = [
    AV_PIX_FMT_YUV420P: (1, 1), AV_PIX_FMT_YUVJ420P: (1, 1), AV_PIX_FMT_YUV422P: (1, 0),
    AV_PIX_FMT_YUVJ422P: (1, 0), AV_PIX_FMT_YUV444P: (0, 0), AV_PIX_FMT_YUVJ444P: (0, 0),
]

/// What YUV <-> RGB needs of a stream's tags: the matrix's luma weights, and the range's luma
/// offset and the spans of luma and chroma in code values (limited range: 16 + 219 Y, 224 C).
struct YUVConstants {
    let kr: Float, kg: Float, kb: Float
    let yOffset: Float, ySpan: Float, cSpan: Float

    init(_ tags: ColorTags) {
        switch tags.space {
        case AVCOL_SPC_BT709: (kr, kb) = (0.2126, 0.0722)
        case AVCOL_SPC_BT2020_NCL, AVCOL_SPC_BT2020_CL: (kr, kb) = (0.2627, 0.0593)
        case AVCOL_SPC_SMPTE240M: (kr, kb) = (0.212, 0.087)
        case AVCOL_SPC_FCC: (kr, kb) = (0.30, 0.11)
        default: (kr, kb) = (0.299, 0.114)
        }
        kg = 1 - kr - kb
        let full = tags.range == AVCOL_RANGE_JPEG
        (yOffset, ySpan, cSpan) = full ? (0, 255, 255) : (16, 219, 224)
    }
}

extension RGBToPicture {
    /// Float RGB to 8-bit planar YUV directly, the exact inverse of `PictureToRGB.planarYUV8`
    /// (rounded, chroma averaged over each subsampled block): swscale's float input path truncates,
    /// which biased luma by half a code value on a round trip.
    func writePlanarYUV8(_ image: PlanarImage, into f: UnsafeMutablePointer<AVFrame>) -> Bool {
        guard let (sx, sy) = chromaShifts[format], let yp = f.pointee.data.0, let up = f.pointee.data.1, let vp = f.pointee.data.2 else {
            return false
        }
        let k = YUVConstants(tags)
        let (kr, kg, kb, yOffset, yScale, cScale) = (k.kr, k.kg, k.kb, k.yOffset, k.ySpan, k.cSpan)
        let cbScale = cScale / (2 * (1 - kb)), crScale = cScale / (2 * (1 - kr))
        sckd_rgbf_to_yuv8(image.plane(0), image.plane(1), image.plane(2), Int32(width), Int32(height), Int32(sx), Int32(sy),
                          kr, kg, kb, yOffset, yScale, cbScale, crScale, yp, f.pointee.linesize.0, up, f.pointee.linesize.1,
                          vp, f.pointee.linesize.2)
        return true
    }
}
