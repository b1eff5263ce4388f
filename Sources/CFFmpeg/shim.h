// FFmpeg 5.1 for Swift: the headers, plus static inline wrappers (prefixed sckd_av_) for macros
// and inline functions that Swift's importer cannot see.
#ifndef SCKD_CFFMPEG_SHIM_H
#define SCKD_CFFMPEG_SHIM_H

#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/display.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

static inline int sckd_av_error(int posix_errno) { return AVERROR(posix_errno); }
static inline int sckd_av_errno(int av_error) { return AVUNERROR(av_error); }
static inline int sckd_av_error_eof(void) { return AVERROR_EOF; }
static inline int sckd_av_error_eagain(void) { return AVERROR(EAGAIN); }
static inline int sckd_av_error_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int sckd_av_error_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int sckd_av_error_encoder_not_found(void) { return AVERROR_ENCODER_NOT_FOUND; }
static inline int sckd_av_error_exit(void) { return AVERROR_EXIT; }
static inline int64_t sckd_av_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline int sckd_av_time_base(void) { return AV_TIME_BASE; }
static inline AVRational sckd_av_time_base_q(void) { return AV_TIME_BASE_Q; }

/// av_err2str without the compound literal: writes the message into `buf`.
static inline const char *sckd_av_strerror(int err, char *buf, size_t size) {
    if (av_strerror(err, buf, size) < 0) snprintf(buf, size, "error %d", err);
    return buf;
}

static inline int sckd_av_codec_is_frame_threaded(const AVCodec *c) {
    return (c->capabilities & (AV_CODEC_CAP_FRAME_THREADS | AV_CODEC_CAP_SLICE_THREADS)) != 0;
}
static inline int sckd_av_thread_frame_and_slice(void) { return FF_THREAD_FRAME | FF_THREAD_SLICE; }
static inline int sckd_av_thread_slice(void) { return FF_THREAD_SLICE; }
static inline int sckd_av_codec_flag_global_header(void) { return AV_CODEC_FLAG_GLOBAL_HEADER; }
static inline int sckd_av_fmt_globalheader(void) { return AVFMT_GLOBALHEADER; }
static inline int sckd_av_fmt_nofile(void) { return AVFMT_NOFILE; }
static inline int sckd_av_frame_flag_corrupt(void) { return AV_FRAME_FLAG_CORRUPT; }
static inline int sckd_av_pkt_flag_corrupt(void) { return AV_PKT_FLAG_CORRUPT; }
static inline int sckd_av_pkt_flag_key(void) { return AV_PKT_FLAG_KEY; }
static inline int sckd_av_pkt_flag_discard(void) { return AV_PKT_FLAG_DISCARD; }
static inline int sckd_avseek_flag_backward(void) { return AVSEEK_FLAG_BACKWARD; }
static inline int sckd_av_codec_cap_variable_frame_size(void) { return AV_CODEC_CAP_VARIABLE_FRAME_SIZE; }
static inline int sckd_av_log_quiet(void) { return AV_LOG_QUIET; }
static inline int sckd_av_log_error(void) { return AV_LOG_ERROR; }
static inline int sckd_av_log_fatal(void) { return AV_LOG_FATAL; }
static inline int sckd_av_log_warning(void) { return AV_LOG_WARNING; }
/// swscale flags for YUV <-> planar float RGB at the same size. Point sampling of chroma is the
/// transparent choice: chroma is replicated on the way in and the same sample is picked on the way
/// out, so a decode -> RGB -> encode round trip returns the original chroma planes exactly
/// (interpolating filters blur sharp chroma edges by 10-15 dB on each pass).
static inline int sckd_sws_flags_transparent(void) { return SWS_POINT | SWS_ACCURATE_RND | SWS_BITEXACT; }

/// Pixel formats the encoder accepts, terminated by AV_PIX_FMT_NONE (may be NULL: anything).
static inline const enum AVPixelFormat *sckd_av_codec_pix_fmts(const AVCodec *c) { return c->pix_fmts; }
static inline int sckd_av_pix_fmt_log2_chroma_w(enum AVPixelFormat f) {
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f); return d ? d->log2_chroma_w : 0;
}
static inline int sckd_av_pix_fmt_log2_chroma_h(enum AVPixelFormat f) {
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f); return d ? d->log2_chroma_h : 0;
}

/// Rotation in degrees (counter-clockwise, as FFmpeg reports it) of a display matrix, or 0.
static inline double sckd_av_display_rotation(const uint8_t *matrix) {
    if (!matrix) return 0;
    double r = av_display_rotation_get((const int32_t *)matrix);
    return r != r ? 0 : r;  // NaN -> 0
}

#endif
