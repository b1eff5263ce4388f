import CFFmpeg

/// How a stream's samples map to colour: range, matrix, primaries, transfer. Read from the decoder,
/// used for the conversion to RGB, and written unchanged to the encoder so that players interpret
/// the enhanced video the way they interpreted the original.
public struct ColorTags: Equatable, Sendable {
    public var range: AVColorRange
    public var space: AVColorSpace
    public var primaries: AVColorPrimaries
    public var transfer: AVColorTransferCharacteristic

    /// Tags of a stream or frame, with "unspecified" resolved the way players resolve it (BT.709
    /// for HD and above, BT.601 below; limited range for YUV, full for RGB and yuvj*), so that the
    /// output carries explicit tags. `fallback` supplies what a frame leaves unspecified.
    init(range: AVColorRange, space: AVColorSpace, primaries: AVColorPrimaries,
         transfer: AVColorTransferCharacteristic, height: Int32, format: AVPixelFormat, fallback: ColorTags? = nil) {
        let flags = av_pix_fmt_desc_get(format)?.pointee.flags ?? 0
        let isRGB = flags & UInt64(AV_PIX_FMT_FLAG_RGB) != 0
        let isJPEG = format == AV_PIX_FMT_YUVJ420P || format == AV_PIX_FMT_YUVJ422P || format == AV_PIX_FMT_YUVJ444P
        if range != AVCOL_RANGE_UNSPECIFIED {
            self.range = range
        } else {
            self.range = fallback?.range ?? (isRGB || isJPEG ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG)
        }
        if space != AVCOL_SPC_UNSPECIFIED && space != AVCOL_SPC_RESERVED {
            self.space = space
        } else {
            self.space = fallback?.space ?? (height >= 720 ? AVCOL_SPC_BT709 : AVCOL_SPC_SMPTE170M)
        }
        self.primaries = primaries != AVCOL_PRI_UNSPECIFIED ? primaries : (fallback?.primaries ?? primaries)
        self.transfer = transfer != AVCOL_TRC_UNSPECIFIED ? transfer : (fallback?.transfer ?? transfer)
    }

    init(frame f: UnsafePointer<AVFrame>, fallback: ColorTags?) {
        self.init(range: f.pointee.color_range, space: f.pointee.colorspace, primaries: f.pointee.color_primaries,
                  transfer: f.pointee.color_trc, height: f.pointee.height, format: AVPixelFormat(f.pointee.format),
                  fallback: fallback)
    }

    init(parameters p: UnsafePointer<AVCodecParameters>) {
        self.init(range: p.pointee.color_range, space: p.pointee.color_space, primaries: p.pointee.color_primaries,
                  transfer: p.pointee.color_trc, height: p.pointee.height, format: AVPixelFormat(p.pointee.format))
    }

    /// swscale's coefficient table for this matrix.
    var swsCoefficients: UnsafePointer<Int32> {
        let cs: Int32
        switch space {
        case AVCOL_SPC_BT709: cs = SWS_CS_ITU709
        case AVCOL_SPC_FCC: cs = SWS_CS_FCC
        case AVCOL_SPC_SMPTE240M: cs = SWS_CS_SMPTE240M
        case AVCOL_SPC_BT2020_NCL, AVCOL_SPC_BT2020_CL: cs = SWS_CS_BT2020
        default: cs = SWS_CS_ITU601
        }
        return sws_getCoefficients(cs)
    }

    var isFullRange: Int32 { range == AVCOL_RANGE_JPEG ? 1 : 0 }
}
