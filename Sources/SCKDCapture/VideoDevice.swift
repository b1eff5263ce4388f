import CV4L2
import Foundation

/// Why a camera could not be used, each case one line naming the device.
public enum CaptureError: Error, CustomStringConvertible, Equatable {
    case noSuchDevice(path: String)
    case permissionDenied(path: String)
    case busy(path: String)
    case notACaptureDevice(path: String, card: String)
    case unplugged(path: String)
    case timeout(path: String, seconds: Double)
    case noSupportedFormat(path: String, offered: [String])
    case system(path: String, call: String, errno: Int32)

    public var description: String {
        switch self {
        case let .noSuchDevice(p): return "no camera at '\(p)' (see `sckd camera --list`)"
        case let .permissionDenied(p): return "no permission to open '\(p)' (add yourself to the 'video' group)"
        case let .busy(p): return "'\(p)' is busy: another program is using the camera"
        case let .notACaptureDevice(p, card): return "'\(p)' (\(card)) is not a video capture device"
        case let .unplugged(p): return "the camera '\(p)' went away (unplugged?)"
        case let .timeout(p, s): return "the camera '\(p)' delivered no frame for \(s) s"
        case let .noSupportedFormat(p, offered): return "'\(p)' offers no picture format sckd can read (offers: \(offered.joined(separator: ", ")))"
        case let .system(p, call, e): return "'\(p)': \(call) failed: \(String(cString: strerror(e)))"
        }
    }

    /// The typed error for a failed call's errno.
    static func from(errno e: Int32, path: String, call: String) -> CaptureError {
        switch e {
        case ENOENT, ENXIO: return .noSuchDevice(path: path)
        case EACCES, EPERM: return .permissionDenied(path: path)
        case EBUSY: return .busy(path: path)
        case ENODEV: return .unplugged(path: path)
        default: return .system(path: path, call: call, errno: e)
        }
    }
}

/// The system calls capture needs, as a protocol so that the capture logic is tested without a
/// camera (apple/swift-system's approach: a thin, mockable syscall layer). Every call returns the
/// C result (-1 on failure) and `lastErrno` says why.
public protocol VideoDeviceCalls: AnyObject {
    var lastErrno: Int32 { get }
    /// QUERYCAP without opening through libv4l2 (which would print on stderr for a non-video file).
    func probe(_ path: String, _ cap: inout v4l2_capability) -> Int32
    func open(_ path: String) -> Int32
    func close(_ fd: Int32) -> Int32
    func queryCapability(_ fd: Int32, _ cap: inout v4l2_capability) -> Int32
    func enumerateFormat(_ fd: Int32, _ desc: inout v4l2_fmtdesc) -> Int32
    func enumerateFrameSize(_ fd: Int32, _ size: inout v4l2_frmsizeenum) -> Int32
    func enumerateFrameInterval(_ fd: Int32, _ interval: inout v4l2_frmivalenum) -> Int32
    func setFormat(_ fd: Int32, _ format: inout v4l2_format) -> Int32
    func setParameters(_ fd: Int32, _ parm: inout v4l2_streamparm) -> Int32
    func setControl(_ fd: Int32, id: UInt32, value: Int32) -> Int32
    func requestBuffers(_ fd: Int32, _ req: inout v4l2_requestbuffers) -> Int32
    func queryBuffer(_ fd: Int32, _ buf: inout v4l2_buffer) -> Int32
    func queueBuffer(_ fd: Int32, _ buf: inout v4l2_buffer) -> Int32
    func dequeueBuffer(_ fd: Int32, _ buf: inout v4l2_buffer) -> Int32
    func streamOn(_ fd: Int32) -> Int32
    func streamOff(_ fd: Int32) -> Int32
    func map(_ fd: Int32, length: Int, offset: Int64) -> UnsafeMutableRawPointer?
    func unmap(_ start: UnsafeMutableRawPointer, length: Int) -> Int32
    /// Waits up to `milliseconds` for a frame: 1 ready, 0 timed out, -1 error.
    func pollReadable(_ fd: Int32, milliseconds: Int32) -> Int32
}

/// The real thing: libv4l2 (whose format conversion covers cameras that only give MJPEG or odd formats).
public final class LibV4L2Calls: VideoDeviceCalls {
    public init() {}
    public var lastErrno: Int32 { sckd_errno() }
    public func probe(_ path: String, _ cap: inout v4l2_capability) -> Int32 { sckd_v4l2_probe(path, &cap) }
    public func open(_ path: String) -> Int32 { sckd_v4l2_open(path) }
    public func close(_ fd: Int32) -> Int32 { sckd_v4l2_close(fd) }
    public func queryCapability(_ fd: Int32, _ cap: inout v4l2_capability) -> Int32 { sckd_v4l2_querycap(fd, &cap) }
    public func enumerateFormat(_ fd: Int32, _ desc: inout v4l2_fmtdesc) -> Int32 { sckd_v4l2_enum_fmt(fd, &desc) }
    public func enumerateFrameSize(_ fd: Int32, _ size: inout v4l2_frmsizeenum) -> Int32 { sckd_v4l2_enum_framesizes(fd, &size) }
    public func enumerateFrameInterval(_ fd: Int32, _ i: inout v4l2_frmivalenum) -> Int32 { sckd_v4l2_enum_frameintervals(fd, &i) }
    public func setFormat(_ fd: Int32, _ format: inout v4l2_format) -> Int32 { sckd_v4l2_s_fmt(fd, &format) }
    public func setParameters(_ fd: Int32, _ parm: inout v4l2_streamparm) -> Int32 { sckd_v4l2_s_parm(fd, &parm) }
    public func setControl(_ fd: Int32, id: UInt32, value: Int32) -> Int32 { sckd_v4l2_s_ctrl(fd, id, value) }
    public func requestBuffers(_ fd: Int32, _ req: inout v4l2_requestbuffers) -> Int32 { sckd_v4l2_reqbufs(fd, &req) }
    public func queryBuffer(_ fd: Int32, _ buf: inout v4l2_buffer) -> Int32 { sckd_v4l2_querybuf(fd, &buf) }
    public func queueBuffer(_ fd: Int32, _ buf: inout v4l2_buffer) -> Int32 { sckd_v4l2_qbuf(fd, &buf) }
    public func dequeueBuffer(_ fd: Int32, _ buf: inout v4l2_buffer) -> Int32 { sckd_v4l2_dqbuf(fd, &buf) }
    public func streamOn(_ fd: Int32) -> Int32 { sckd_v4l2_streamon(fd) }
    public func streamOff(_ fd: Int32) -> Int32 { sckd_v4l2_streamoff(fd) }
    public func map(_ fd: Int32, length: Int, offset: Int64) -> UnsafeMutableRawPointer? {
        let p = sckd_v4l2_mmap(fd, length, offset)
        return p == MAP_FAILED ? nil : p
    }
    public func unmap(_ start: UnsafeMutableRawPointer, length: Int) -> Int32 { sckd_v4l2_munmap(start, length) }
    public func pollReadable(_ fd: Int32, milliseconds: Int32) -> Int32 {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, milliseconds)
    }
}

/// Runs a call again while it fails with EINTR (a signal arrived mid-call).
@discardableResult
func retryingOnInterrupt(_ calls: VideoDeviceCalls, path: String, name: String, _ body: () -> Int32) throws -> Int32 {
    while true {
        let r = body()
        if r >= 0 { return r }
        let e = calls.lastErrno
        if e == EINTR { continue }
        throw CaptureError.from(errno: e, path: path, call: name)
    }
}

/// A camera's offer: per pixel format, the frame sizes and, per size, the frame rates.
public struct CameraOffer: Equatable {
    public struct Mode: Equatable {
        public let width: Int
        public let height: Int
        public let rates: [Double]
    }
    public struct Format: Equatable {
        public let fourcc: UInt32
        public let name: String
        public let modes: [Mode]
    }
    public let path: String
    public let card: String
    public let formats: [Format]
}

/// Fourcc code as text ("YUYV").
public func fourccName(_ v: UInt32) -> String {
    String((0..<4).map { Character(UnicodeScalar(UInt8((v >> (8 * $0)) & 0xFF))) })
}

/// Opens a device, checks it captures video, and lists what it offers.
public func describeCamera(_ path: String, calls: VideoDeviceCalls = LibV4L2Calls()) throws -> CameraOffer {
    var probed = v4l2_capability()
    if calls.probe(path, &probed) < 0 {
        let e = calls.lastErrno
        if e == ENOTTY || e == EINVAL { throw CaptureError.notACaptureDevice(path: path, card: "not a video device") }
        throw CaptureError.from(errno: e, path: path, call: "open")
    }
    let fd = calls.open(path)
    if fd < 0 { throw CaptureError.from(errno: calls.lastErrno, path: path, call: "open") }
    defer { _ = calls.close(fd) }
    var cap = v4l2_capability()
    try retryingOnInterrupt(calls, path: path, name: "VIDIOC_QUERYCAP") { calls.queryCapability(fd, &cap) }
    let card = withUnsafeBytes(of: cap.card) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    let caps = (cap.capabilities & sckd_v4l2_cap_device_caps()) != 0 ? cap.device_caps : cap.capabilities
    guard caps & sckd_v4l2_cap_video_capture() != 0 else { throw CaptureError.notACaptureDevice(path: path, card: card) }
    var formats: [CameraOffer.Format] = []
    for index in 0..<64 {
        var desc = v4l2_fmtdesc()
        desc.index = UInt32(index)
        desc.type = sckd_v4l2_buf_type_capture()
        if calls.enumerateFormat(fd, &desc) < 0 { break }  // EINVAL ends the list
        let name = withUnsafeBytes(of: desc.description) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        var modes: [CameraOffer.Mode] = []
        for s in 0..<64 {
            var size = v4l2_frmsizeenum()
            size.index = UInt32(s)
            size.pixel_format = desc.pixelformat
            if calls.enumerateFrameSize(fd, &size) < 0 { break }
            guard size.type == sckd_v4l2_frmsize_type_discrete() else {
                // Stepwise/continuous: offer the largest size; S_FMT picks the nearest anyway.
                modes.append(.init(width: Int(size.stepwise.max_width), height: Int(size.stepwise.max_height), rates: []))
                break
            }
            let (w, h) = (size.discrete.width, size.discrete.height)
            var rates: [Double] = []
            for r in 0..<32 {
                var interval = v4l2_frmivalenum()
                interval.index = UInt32(r)
                interval.pixel_format = desc.pixelformat
                interval.width = w
                interval.height = h
                if calls.enumerateFrameInterval(fd, &interval) < 0 { break }
                if interval.type == sckd_v4l2_frmival_type_discrete(), interval.discrete.numerator > 0 {
                    rates.append(Double(interval.discrete.denominator) / Double(interval.discrete.numerator))
                }
            }
            modes.append(.init(width: Int(w), height: Int(h), rates: rates))
        }
        formats.append(.init(fourcc: desc.pixelformat, name: name, modes: modes))
    }
    return CameraOffer(path: path, card: card, formats: formats)
}

/// What to ask the camera for: the offered mode nearest the wish (by pixel count, then frame
/// rate), among formats sckd reads (libv4l2 converts the rest), preferring formats in `preference`.
public struct ModeChoice: Equatable {
    public let fourcc: UInt32
    public let width: Int
    public let height: Int
    public let fps: Double?
}

public func chooseMode(from offer: CameraOffer, width: Int, height: Int, fps: Double,
                       preference: [UInt32] = [sckd_v4l2_pix_fmt_yuyv(), sckd_v4l2_pix_fmt_yuv420(), sckd_v4l2_pix_fmt_rgb24()]) throws -> ModeChoice {
    let usable = offer.formats.filter { preference.contains($0.fourcc) }
    guard !usable.isEmpty else {
        throw CaptureError.noSupportedFormat(path: offer.path, offered: offer.formats.map { fourccName($0.fourcc) })
    }
    var best: (score: (Double, Double, Int), choice: ModeChoice)?
    for f in usable {
        let rank = preference.firstIndex(of: f.fourcc)!
        for m in f.modes.isEmpty ? [CameraOffer.Mode(width: width, height: height, rates: [])] : f.modes {
            let sizeDistance = abs(log(Double(m.width * m.height) / Double(width * height)))
            let rate = m.rates.min { abs($0 - fps) < abs($1 - fps) }
            let rateDistance = rate.map { abs(log($0 / fps)) } ?? 0
            let score = (sizeDistance, rateDistance, rank)
            if best == nil || score < best!.score {
                best = (score, ModeChoice(fourcc: f.fourcc, width: m.width, height: m.height, fps: rate))
            }
        }
    }
    return best!.choice
}

/// The video devices present (/dev/video*), sorted.
public func videoDevicePaths() -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []
    return names.filter { $0.hasPrefix("video") }.sorted { ($0.count, $0) < ($1.count, $1) }.map { "/dev/\($0)" }
}
