// libv4l2 (libv4l-dev) and <linux/videodev2.h> for Swift: one named wrapper per ioctl used
// (Swift cannot call the variadic v4l2_ioctl/v4l2_open, nor see the _IOWR request macros).
// Each returns the ioctl's result (-1 with errno set on failure); retrying on EINTR is the Swift
// layer's job, where it can be tested with a mocked device.
#ifndef SCKD_CV4L2_SHIM_H
#define SCKD_CV4L2_SHIM_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/videodev2.h>
#include <libv4l2.h>

#include <sys/ioctl.h>
#include <unistd.h>

/// QUERYCAP through the kernel directly (not libv4l2, which prints to stderr when handed a file
/// that is not a V4L2 device): -1 with errno on failure (ENOTTY: not a video device).
static inline int sckd_v4l2_probe(const char *path, struct v4l2_capability *c) {
    int fd = open(path, O_RDWR | O_NONBLOCK);
    if (fd < 0) return -1;
    int r;
    do { r = ioctl(fd, VIDIOC_QUERYCAP, c); } while (r < 0 && errno == EINTR);
    int saved = errno;
    close(fd);
    errno = saved;
    return r;
}
static inline int sckd_v4l2_open(const char *path) { return v4l2_open(path, O_RDWR | O_NONBLOCK, 0); }
static inline int sckd_v4l2_close(int fd) { return v4l2_close(fd); }
static inline int sckd_v4l2_querycap(int fd, struct v4l2_capability *c) { return v4l2_ioctl(fd, VIDIOC_QUERYCAP, c); }
static inline int sckd_v4l2_enum_fmt(int fd, struct v4l2_fmtdesc *f) { return v4l2_ioctl(fd, VIDIOC_ENUM_FMT, f); }
static inline int sckd_v4l2_enum_framesizes(int fd, struct v4l2_frmsizeenum *f) { return v4l2_ioctl(fd, VIDIOC_ENUM_FRAMESIZES, f); }
static inline int sckd_v4l2_enum_frameintervals(int fd, struct v4l2_frmivalenum *f) { return v4l2_ioctl(fd, VIDIOC_ENUM_FRAMEINTERVALS, f); }
static inline int sckd_v4l2_g_fmt(int fd, struct v4l2_format *f) { return v4l2_ioctl(fd, VIDIOC_G_FMT, f); }
static inline int sckd_v4l2_s_fmt(int fd, struct v4l2_format *f) { return v4l2_ioctl(fd, VIDIOC_S_FMT, f); }
static inline int sckd_v4l2_s_parm(int fd, struct v4l2_streamparm *p) { return v4l2_ioctl(fd, VIDIOC_S_PARM, p); }
static inline int sckd_v4l2_reqbufs(int fd, struct v4l2_requestbuffers *r) { return v4l2_ioctl(fd, VIDIOC_REQBUFS, r); }
static inline int sckd_v4l2_querybuf(int fd, struct v4l2_buffer *b) { return v4l2_ioctl(fd, VIDIOC_QUERYBUF, b); }
static inline int sckd_v4l2_qbuf(int fd, struct v4l2_buffer *b) { return v4l2_ioctl(fd, VIDIOC_QBUF, b); }
static inline int sckd_v4l2_dqbuf(int fd, struct v4l2_buffer *b) { return v4l2_ioctl(fd, VIDIOC_DQBUF, b); }
static inline int sckd_v4l2_s_ctrl(int fd, uint32_t id, int32_t value) {
    struct v4l2_control c; c.id = id; c.value = value; return v4l2_ioctl(fd, VIDIOC_S_CTRL, &c);
}
static inline uint32_t sckd_v4l2_cid_brightness(void) { return V4L2_CID_BRIGHTNESS; }
static inline int sckd_v4l2_streamon(int fd) { int t = V4L2_BUF_TYPE_VIDEO_CAPTURE; return v4l2_ioctl(fd, VIDIOC_STREAMON, &t); }
static inline int sckd_v4l2_streamoff(int fd) { int t = V4L2_BUF_TYPE_VIDEO_CAPTURE; return v4l2_ioctl(fd, VIDIOC_STREAMOFF, &t); }
static inline void *sckd_v4l2_mmap(int fd, size_t length, int64_t offset) {
    return v4l2_mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
}
static inline int sckd_v4l2_munmap(void *start, size_t length) { return v4l2_munmap(start, length); }
static inline int sckd_errno(void) { return errno; }

static inline uint32_t sckd_v4l2_cap_video_capture(void) { return V4L2_CAP_VIDEO_CAPTURE; }
static inline uint32_t sckd_v4l2_cap_streaming(void) { return V4L2_CAP_STREAMING; }
static inline uint32_t sckd_v4l2_cap_device_caps(void) { return V4L2_CAP_DEVICE_CAPS; }
static inline uint32_t sckd_v4l2_buf_type_capture(void) { return V4L2_BUF_TYPE_VIDEO_CAPTURE; }
static inline uint32_t sckd_v4l2_memory_mmap(void) { return V4L2_MEMORY_MMAP; }
static inline uint32_t sckd_v4l2_frmsize_type_discrete(void) { return V4L2_FRMSIZE_TYPE_DISCRETE; }
static inline uint32_t sckd_v4l2_frmival_type_discrete(void) { return V4L2_FRMIVAL_TYPE_DISCRETE; }
static inline uint32_t sckd_v4l2_pix_fmt_yuyv(void) { return V4L2_PIX_FMT_YUYV; }
static inline uint32_t sckd_v4l2_pix_fmt_rgb24(void) { return V4L2_PIX_FMT_RGB24; }
static inline uint32_t sckd_v4l2_pix_fmt_yuv420(void) { return V4L2_PIX_FMT_YUV420; }
static inline uint32_t sckd_v4l2_pix_fmt_mjpeg(void) { return V4L2_PIX_FMT_MJPEG; }
static inline uint32_t sckd_v4l2_field_any(void) { return V4L2_FIELD_ANY; }

#endif
