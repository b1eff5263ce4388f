import Foundation
import SCKDMedia
import XCTest

/// Inputs the fuzzers found that once crashed the process (Fuzz/regressions): each must now be
/// read, or refused with a MediaError, as a picture and as a video.
final class FuzzRegressionTests: XCTestCase {
    func testEveryRegressionInputIsReadOrRefused() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz/regressions").path
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        XCTAssertFalse(files.isEmpty, "no regression inputs in \(folder)")
        for name in files {
            let path = "\(folder)/\(name)"
            do { _ = try StillImage.read(path) } catch { XCTAssertTrue(error is MediaError, "\(name): \(error)") }
            do {
                let reader = try VideoReader(path: path)
                while try reader.next() != nil {}
            } catch {
                XCTAssertTrue(error is MediaError, "\(name): \(error)")
            }
        }
    }
}
