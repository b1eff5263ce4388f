import Foundation
import SCKDTestSupport
import XCTest

final class BenchCommandTests: XCTestCase {
    func testTinyBenchmarkIsConsistent() throws {
        let dir = temporaryDirectory("sckd-bench")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let weights = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Weights").path
        let r = try sckd(["bench", "--model", "ldfc-net-rt", "--model", "classic", "--size", "96x64", "--frames", "12",
                          "--runs", "3", "--weights", weights, "--json", "\(dir)/b.json", "--plot", "\(dir)/b.svg"], timeout: 300)
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/b.json"))) as! [String: Any]
        let ceilings = doc["ceiling_gflops"] as! [String: Double]
        XCTAssertGreaterThan(ceilings["fp32"] ?? 0, 1)
        let results = doc["results"] as! [[String: Any]]
        XCTAssertEqual(results.count, 2)
        for row in results {
            let fps = row["e2e_fps"] as! Double
            XCTAssertGreaterThan(fps, 0)
            XCTAssertGreaterThan(row["no_encode_fps"] as? Double ?? 0, 0, "the run without the encoder")
            let runMs = 1000 * 12 / fps
            let stages = row["stages"] as! [String: [String: Double]]
            XCTAssertEqual(Set(stages.keys), ["source", "convert in", "phase A", "smoothing", "phase B", "convert out", "sink"])
            for (name, s) in stages {
                XCTAssertGreaterThanOrEqual(s["median_ms"]!, 0, name)
                XCTAssertLessThanOrEqual(s["median_ms"]!, s["p95_ms"]! + 1e-9, name)
                XCTAssertLessThanOrEqual(s["mean_ms"]!, runMs, "\(name): a stage cannot take longer than the run")
            }
            if row["model"] as? String == "ldfc-net-rt" {
                XCTAssertGreaterThan(row["network_ms"] as! Double, 0)
                XCTAssertLessThanOrEqual(row["network_ms"] as! Double, runMs)
                XCTAssertGreaterThan(row["ceiling_fraction"] as! Double, 0)
            }
        }
        let svg = try String(contentsOfFile: "\(dir)/b.svg", encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<svg") && svg.contains("fps"))
    }
}
