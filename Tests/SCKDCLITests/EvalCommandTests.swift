import Foundation
import SCKDTestSupport
import XCTest

final class EvalCommandTests: XCTestCase {
    var dir = ""
    let referenceIQA = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/tools/iqa.py").path

    override func setUpWithError() throws {
        dir = temporaryDirectory("sckd-eval")
        for sub in ["low", "high"] { try FileManager.default.createDirectory(atPath: "\(dir)/\(sub)", withIntermediateDirectories: true) }
        // Three pairs of odd sizes: a darkened, noisy low and its ground truth.
        for (i, size) in ["64x48", "41x37", "96x80"].enumerated() {
            try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=\(size)", "-frames:v", "1", "\(dir)/high/\(i).png"])
            try ffmpeg(["-i", "\(dir)/high/\(i).png", "-vf", "eq=brightness=-0.3,noise=alls=12:allf=u", "\(dir)/low/\(i).png"])
        }
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func testAgreesWithTheReferenceAndWritesJSON() throws {
        let r = try sckd(["eval", "--low", "\(dir)/low", "--high", "\(dir)/high", "--model", "classic",
                          "--save", "\(dir)/out", "--json", "\(dir)/r.json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let ours = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertTrue(ours.hasPrefix("n=3 PSNR="), ours)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/r.json"))) as! [String: Any]
        for key in ["n", "model", "psnr", "ssim", "psnr_gtmean", "rows", "missing"] { XCTAssertNotNil(json[key], key) }
        let rows = json["rows"] as! [[String: Any]]
        XCTAssertEqual(rows.count, 3)
        for row in rows { for key in ["name", "psnr", "ssim", "psnr_gtmean", "ms"] { XCTAssertNotNil(row[key], key) } }
        guard FileManager.default.fileExists(atPath: referenceIQA) else {
            throw XCTSkip("../shared/tools/iqa.py is absent: agreement with the reference not checked")
        }
        let ref = try runProcess("/usr/bin/env", ["python3", referenceIQA, "\(dir)/out", "\(dir)/high"])
        XCTAssertEqual(ref.status, 0, ref.stderr)
        let theirs = String(decoding: ref.stdout, as: UTF8.self)
        func value(_ s: String, _ key: String) -> Double {
            Double(s.components(separatedBy: "\(key)=")[1].split(separator: " ")[0]) ?? .nan
        }
        XCTAssertEqual(value(ours, "PSNR"), value(theirs, "PSNR"), accuracy: 0.01)
        XCTAssertEqual(value(ours, "SSIM"), value(theirs, "SSIM"), accuracy: 0.0005)
        XCTAssertEqual(value(ours, "PSNR_GTmean"), value(theirs, "PSNR_GTmean"), accuracy: 0.01)
    }

    func testIdentityOnIdenticalFoldersIsInfinite() throws {
        let r = try sckd(["eval", "--low", "\(dir)/high", "--high", "\(dir)/high", "--model", "none", "--json", "\(dir)/i.json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(String(decoding: r.stdout, as: UTF8.self).contains("inf"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/i.json"))) as! [String: Any]
        XCTAssertTrue(json["psnr"] is NSNull)
        XCTAssertEqual(json["ssim"] as? Double ?? 0, 1, accuracy: 1e-9)
    }

    func testNoPairsIsAClearError() throws {
        try FileManager.default.createDirectory(atPath: "\(dir)/empty", withIntermediateDirectories: true)
        let r = try sckd(["eval", "--low", "\(dir)/empty", "--high", "\(dir)/high"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("no file names in common"), r.stderr)
    }
}
