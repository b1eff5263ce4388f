import CV4L2
import Foundation
import XCTest

@testable import SCKDCapture

/// A scripted camera: a fixed offer, with failures and interruptions on demand.
final class MockCamera: VideoDeviceCalls {
    var lastErrno: Int32 = 0
    var openErrno: Int32?
    var capabilities: UInt32 = sckd_v4l2_cap_video_capture() | sckd_v4l2_cap_streaming()
    var interruptionsLeft = 0
    /// (fourcc, [(w, h, [fps])])
    var formats: [(UInt32, [(UInt32, UInt32, [UInt32])])] = []
    var calls: [String] = []

    func probe(_ path: String, _ cap: inout v4l2_capability) -> Int32 {
        if let e = openErrno { lastErrno = e; return -1 }
        return 0
    }
    func open(_ path: String) -> Int32 {
        if let e = openErrno { lastErrno = e; return -1 }
        return 7
    }
    func close(_ fd: Int32) -> Int32 { calls.append("close"); return 0 }
    func queryCapability(_ fd: Int32, _ cap: inout v4l2_capability) -> Int32 {
        calls.append("querycap")
        if interruptionsLeft > 0 { interruptionsLeft -= 1; lastErrno = EINTR; return -1 }
        cap.capabilities = capabilities
        withUnsafeMutableBytes(of: &cap.card) { b in for (i, c) in "Mock Cam".utf8.enumerated() { b[i] = c } }
        return 0
    }
    func enumerateFormat(_ fd: Int32, _ d: inout v4l2_fmtdesc) -> Int32 {
        guard Int(d.index) < formats.count else { lastErrno = EINVAL; return -1 }
        d.pixelformat = formats[Int(d.index)].0
        return 0
    }
    func enumerateFrameSize(_ fd: Int32, _ s: inout v4l2_frmsizeenum) -> Int32 {
        guard let f = formats.first(where: { $0.0 == s.pixel_format }), Int(s.index) < f.1.count else { lastErrno = EINVAL; return -1 }
        s.type = sckd_v4l2_frmsize_type_discrete()
        s.discrete.width = f.1[Int(s.index)].0
        s.discrete.height = f.1[Int(s.index)].1
        return 0
    }
    func enumerateFrameInterval(_ fd: Int32, _ i: inout v4l2_frmivalenum) -> Int32 {
        guard let f = formats.first(where: { $0.0 == i.pixel_format }),
              let m = f.1.first(where: { $0.0 == i.width && $0.1 == i.height }), Int(i.index) < m.2.count else {
            lastErrno = EINVAL; return -1
        }
        i.type = sckd_v4l2_frmival_type_discrete()
        i.discrete.numerator = 1
        i.discrete.denominator = m.2[Int(i.index)]
        return 0
    }
    // Streaming: `script` says what each DQBUF does: a frame, EAGAIN, EINTR or an errno.
    enum Step { case frame(UInt8), again, interrupted, fail(Int32) }
    var script: [Step] = []
    var adjustTo: (UInt32, UInt32)?
    var bufferMemory: [UnsafeMutableRawPointer] = []
    var pollResult: Int32 = 1
    var queued = 0, streamOffs = 0, unmaps = 0
    var width: UInt32 = 0, height: UInt32 = 0, clock: Int = 0

    func setFormat(_ fd: Int32, _ format: inout v4l2_format) -> Int32 {
        if let (w, h) = adjustTo { format.fmt.pix.width = w; format.fmt.pix.height = h }
        width = format.fmt.pix.width; height = format.fmt.pix.height
        format.fmt.pix.bytesperline = width * 2
        return 0
    }
    func setParameters(_ fd: Int32, _ parm: inout v4l2_streamparm) -> Int32 { 0 }
    var controls: [UInt32: Int32] = [:]
    func setControl(_ fd: Int32, id: UInt32, value: Int32) -> Int32 { controls[id] = value; return 0 }
    func requestBuffers(_ fd: Int32, _ req: inout v4l2_requestbuffers) -> Int32 { req.count = 4; return 0 }
    func queryBuffer(_ fd: Int32, _ buf: inout v4l2_buffer) -> Int32 {
        buf.length = width * height * 2
        buf.m.offset = buf.index * buf.length
        return 0
    }
    func queueBuffer(_ fd: Int32, _ buf: inout v4l2_buffer) -> Int32 { queued += 1; return 0 }
    func dequeueBuffer(_ fd: Int32, _ buf: inout v4l2_buffer) -> Int32 {
        guard !script.isEmpty else { lastErrno = EAGAIN; return -1 }
        switch script.removeFirst() {
        case let .frame(luma):
            buf.index = 1
            let p = bufferMemory[1].assumingMemoryBound(to: UInt8.self)
            for i in 0..<Int(width * height) { p[2 * i] = luma; p[2 * i + 1] = 128 }  // grey YUYV
            buf.bytesused = width * height * 2
            clock += 33_333
            buf.timestamp.tv_sec = clock / 1_000_000
            buf.timestamp.tv_usec = clock % 1_000_000
            return 0
        case .again: lastErrno = EAGAIN; return -1
        case .interrupted: lastErrno = EINTR; return -1
        case let .fail(e): lastErrno = e; return -1
        }
    }
    func streamOn(_ fd: Int32) -> Int32 { 0 }
    func streamOff(_ fd: Int32) -> Int32 { streamOffs += 1; return 0 }
    func map(_ fd: Int32, length: Int, offset: Int64) -> UnsafeMutableRawPointer? {
        let p = UnsafeMutableRawPointer.allocate(byteCount: length, alignment: 64)
        bufferMemory.append(p)
        return p
    }
    func unmap(_ start: UnsafeMutableRawPointer, length: Int) -> Int32 { unmaps += 1; start.deallocate(); return 0 }
    func pollReadable(_ fd: Int32, milliseconds: Int32) -> Int32 {
        if pollResult == 0 { usleep(useconds_t(min(milliseconds, 50)) * 1000) }
        return pollResult
    }
}

final class CameraDiscoveryTests: XCTestCase {
    let yuyv = sckd_v4l2_pix_fmt_yuyv(), mjpeg = sckd_v4l2_pix_fmt_mjpeg(), rgb = sckd_v4l2_pix_fmt_rgb24()

    func testDescribesFormatsSizesAndRates() throws {
        let cam = MockCamera()
        cam.formats = [(mjpeg, [(1920, 1080, [30])]), (yuyv, [(640, 480, [30, 15]), (1280, 720, [10])])]
        let offer = try describeCamera("/dev/video9", calls: cam)
        XCTAssertEqual(offer.card, "Mock Cam")
        XCTAssertEqual(offer.formats.map { fourccName($0.fourcc) }, ["MJPG", "YUYV"])
        XCTAssertEqual(offer.formats[1].modes, [.init(width: 640, height: 480, rates: [30, 15]), .init(width: 1280, height: 720, rates: [10])])
        XCTAssertEqual(cam.calls.last, "close", "the device is closed again")
    }

    func testRetriesInterruptedCalls() throws {
        let cam = MockCamera()
        cam.formats = [(yuyv, [(640, 480, [30])])]
        cam.interruptionsLeft = 3
        _ = try describeCamera("/dev/video9", calls: cam)
        XCTAssertEqual(cam.calls.filter { $0 == "querycap" }.count, 4)
    }

    func testErrnoBecomesATypedError() {
        let cases: [(Int32, CaptureError)] = [
            (ENOENT, .noSuchDevice(path: "/dev/video9")), (EACCES, .permissionDenied(path: "/dev/video9")),
            (EBUSY, .busy(path: "/dev/video9")), (ENODEV, .unplugged(path: "/dev/video9")),
        ]
        for (e, expected) in cases {
            let cam = MockCamera()
            cam.openErrno = e
            XCTAssertThrowsError(try describeCamera("/dev/video9", calls: cam)) { XCTAssertEqual($0 as? CaptureError, expected) }
        }
        let notCamera = MockCamera()
        notCamera.capabilities = 0
        XCTAssertThrowsError(try describeCamera("/dev/video9", calls: notCamera)) {
            XCTAssertEqual($0 as? CaptureError, .notACaptureDevice(path: "/dev/video9", card: "Mock Cam"))
            XCTAssertTrue("\($0)".contains("/dev/video9"))
        }
    }

    func testModeNegotiationPicksTheNearestUsableMode() throws {
        let offer = CameraOffer(path: "/dev/video9", card: "c", formats: [
            .init(fourcc: mjpeg, name: "Motion-JPEG", modes: [.init(width: 1280, height: 720, rates: [30])]),
            .init(fourcc: yuyv, name: "YUYV", modes: [.init(width: 640, height: 480, rates: [30, 15]),
                                                     .init(width: 1280, height: 720, rates: [10, 7.5])]),
        ])
        // 1280x720 exists in YUYV: taken, at the nearest rate.
        XCTAssertEqual(try chooseMode(from: offer, width: 1280, height: 720, fps: 30),
                       ModeChoice(fourcc: yuyv, width: 1280, height: 720, fps: 10))
        // 800x600 is nearest to 640x480.
        XCTAssertEqual(try chooseMode(from: offer, width: 800, height: 600, fps: 25),
                       ModeChoice(fourcc: yuyv, width: 640, height: 480, fps: 30))
        // Only formats sckd reads: an MJPEG-only camera is refused with what it offers.
        let mjpegOnly = CameraOffer(path: "/dev/video9", card: "c", formats: [offer.formats[0]])
        XCTAssertThrowsError(try chooseMode(from: mjpegOnly, width: 640, height: 480, fps: 30)) {
            XCTAssertEqual($0 as? CaptureError, .noSupportedFormat(path: "/dev/video9", offered: ["MJPG"]))
        }
    }
}
