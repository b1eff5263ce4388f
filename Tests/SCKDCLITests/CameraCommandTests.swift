import Foundation
import SCKDTestSupport
import XCTest

/// `sckd camera` without a camera: the failures a user meets first. (Capture itself is tested on
/// a scripted device in SCKDCaptureTests; a real kernel camera runs in the vivid test.)
final class CameraCommandTests: XCTestCase {
    func testMissingDeviceAndNonCamera() throws {
        let missing = try sckd(["camera", "/dev/video97", "-o", "/tmp/sckd-cam-test.mkv"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr.split(separator: "\n").count, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("/dev/video97") && missing.stderr.contains("no camera"), missing.stderr)
        let notCamera = try sckd(["camera", "/dev/null", "-o", "/tmp/sckd-cam-test.mkv"])
        XCTAssertEqual(notCamera.status, 1)
        XCTAssertEqual(notCamera.stderr.split(separator: "\n").count, 1, notCamera.stderr)
        XCTAssertTrue(notCamera.stderr.contains("not a video capture device"), notCamera.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/sckd-cam-test.mkv"))
    }

    func testListAndUsageErrors() throws {
        let list = try sckd(["camera", "--list"])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertFalse(String(decoding: list.stdout, as: UTF8.self).isEmpty)
        let noOutput = try sckd(["camera", "/dev/video0"])
        XCTAssertNotEqual(noOutput.status, 0)
        XCTAssertTrue(noOutput.stderr.contains("-o"), noOutput.stderr)
    }
}
