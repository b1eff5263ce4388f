import CV4L2
import Foundation
import XCTest

@testable import SCKDCapture

final class CameraCaptureTests: XCTestCase {
    func camera() -> MockCamera {
        let cam = MockCamera()
        cam.formats = [(sckd_v4l2_pix_fmt_yuyv(), [(64, 48, [30])])]
        return cam
    }

    func testStreamsFramesWithTimestampsThroughAgainAndInterrupt() throws {
        let cam = camera()
        cam.script = [.frame(16), .again, .interrupted, .frame(235), .frame(126)]
        let cap = try CameraCapture(path: "/dev/video9", width: 64, height: 48, fps: 30, calls: cam)
        XCTAssertEqual(cam.queued, 4, "all buffers queued before streaming")
        let a = try cap.next()!, b = try cap.next()!, c = try cap.next()!
        XCTAssertEqual(a.image.mean(), 0, accuracy: 1e-4)   // Y = 16: black
        XCTAssertEqual(b.image.mean(), 1, accuracy: 1e-4)   // Y = 235: white
        XCTAssertEqual(c.image.mean(), 110.0 / 219, accuracy: 1e-3)
        XCTAssertEqual([a, b, c].map(\.timestampMicroseconds), [33_333, 66_666, 99_999])
        XCTAssertEqual(cam.queued, 7, "each frame's buffer is given back")
        XCTAssertEqual(cap.framesCaptured, 3)
        cap.close()
        XCTAssertEqual(cam.streamOffs, 1)
        XCTAssertEqual(cam.unmaps, 4)
        XCTAssertNil(try cap.next())
    }

    func testACameraThatStopsDeliveringTimesOut() throws {
        let cam = camera()
        cam.pollResult = 0
        let cap = try CameraCapture(path: "/dev/video9", width: 64, height: 48, fps: 30, timeout: 0.2, calls: cam)
        let start = Date()
        XCTAssertThrowsError(try cap.next()) { XCTAssertEqual($0 as? CaptureError, .timeout(path: "/dev/video9", seconds: 0.2)) }
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
    }

    func testUnplugMidStreamIsAClearError() throws {
        let cam = camera()
        cam.script = [.frame(100), .fail(ENODEV)]
        let cap = try CameraCapture(path: "/dev/video9", width: 64, height: 48, fps: 30, calls: cam)
        XCTAssertNotNil(try cap.next())
        XCTAssertThrowsError(try cap.next()) {
            XCTAssertEqual($0 as? CaptureError, .unplugged(path: "/dev/video9"))
            XCTAssertTrue("\($0)".contains("unplugged"))
        }
    }

    func testBrightnessControlIsSet() throws {
        let cam = camera()
        _ = try CameraCapture(path: "/dev/video9", width: 64, height: 48, fps: 30, brightness: 40, calls: cam)
        XCTAssertEqual(cam.controls[sckd_v4l2_cid_brightness()], 40)
    }

    func testDriverAdjustedSizeIsReported() throws {
        let cam = camera()
        cam.adjustTo = (32, 24)
        let cap = try CameraCapture(path: "/dev/video9", width: 64, height: 48, fps: 30, calls: cam)
        XCTAssertEqual(cap.width, 32)
        XCTAssertEqual(cap.height, 24)
        XCTAssertTrue(cap.notes.contains { $0.contains("capturing 32x24") }, "\(cap.notes)")
    }
}
