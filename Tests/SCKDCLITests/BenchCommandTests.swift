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
            XCTAssertEqual(Set(stages.keys), ["source", "convert in", "cells", "phase A", "smoothing", "phase B", "level", "convert out", "sink"])
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

    /// The per-step profile accounts for every multiply-accumulate of the layer table once, so the
    /// roofline ratio it prints is over the whole network's convolutions (fused or not).
    func testProfileCoversEveryConvolutionOnce() throws {
        let dir = temporaryDirectory("sckd-bench-profile")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for extra in [[String](), ["--unfused"]] {
            let r = try sckd(["bench", "--model", "ldfc-net-rt", "--size", "128x96", "--runs", "3", "--network-only", "--profile",
                              "--json", "\(dir)/p.json", "-y"] + extra, timeout: 300)
            XCTAssertEqual(r.status, 0, r.stderr)
            let out = String(decoding: r.stdout, as: UTF8.self)
            // Per step: name, ms, MMACs, ms at the ceiling, ratio (conv steps only).
            let steps = out.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
                .filter { $0.count == 5 && $0[4].hasSuffix("x") && Double($0[2]) != nil }
            let mmacs = steps.reduce(0.0) { $0 + Double($1[2])! }
            let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/p.json"))) as! [String: Any]
            let row = (doc["results"] as! [[String: Any]])[0]
            // The whole layer table's MACs (as `sckd info` counts them), to the printed rounding.
            let expected = 1e3 * (row["gmacs"] as! Double)
            XCTAssertEqual(mmacs, expected, accuracy: 0.005 * Double(steps.count) + 1e-9, "\(extra): \(out)")
            XCTAssertTrue(out.contains("convolutions ") && out.contains("at the ceiling"), out)
            XCTAssertGreaterThan(row["convolution_ceiling_ratio"] as? Double ?? 0, 0.5, "\(extra)")
        }
    }

    func testNonsenseCountsAreUsageErrorsNotCrashes() throws {
        for extra in [["--runs", "0"], ["--frames", "0"], ["--threads", "0"]] {
            let r = try sckd(["bench", "--network-only", "--size", "64x48"] + extra, timeout: 60)
            XCTAssertEqual(r.status, 64, "\(extra): \(r.stderr)")  // a usage error, as every other option's
            XCTAssertTrue(r.stderr.contains("must be at least 1") || r.stderr.contains("must be between 1"), r.stderr)
        }
    }
}
