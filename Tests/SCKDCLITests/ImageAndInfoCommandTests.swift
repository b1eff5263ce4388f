import Foundation
import SCKDTestSupport
import XCTest

/// `sckd image` and `sckd info` end to end.
final class ImageAndInfoCommandTests: XCTestCase {
    func testHelpIsPrintedForEveryWayOfAskingForIt() throws {
        for arguments in [["--help"], ["help"], ["help", "enhance"], ["enhance", "--help"], ["plan", "--help"], ["join", "-h"]] {
            let r = try sckd(arguments)
            XCTAssertEqual(r.status, 0, "\(arguments): \(r.stderr)")
            XCTAssertEqual(r.stderr, "", "\(arguments)")
            XCTAssertTrue(String(decoding: r.stdout, as: UTF8.self).contains("USAGE: sckd"), "\(arguments)")
        }
        let v = try sckd(["--version"])
        XCTAssertEqual(v.status, 0)
        XCTAssertEqual(String(decoding: v.stdout, as: UTF8.self), "0.1.0\n")
    }

    var dir = ""
    let weights = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Weights").path

    override func setUp() { dir = temporaryDirectory("sckd-image") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func meanOfPNG(_ path: String) throws -> (Double, Int, Int) {
        let v = stream(try ffprobe(path), "video")!
        let w = v["width"] as! Int, h = v["height"] as! Int
        let px = try decodeRGB(path, width: w, height: h)[0]
        return (px.reduce(0) { $0 + Double($1) } / Double(px.count), w, h)
    }

    func testEnhancesADarkImageKeepingItsSize() throws {
        let dark = "\(dir)/dark.png", out = "\(dir)/bright.png"
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=96x60", "-vf", "scale=97:61,eq=brightness=-0.35", "-frames:v", "1", dark])
        for model in ["classic", "ldfc-net", "ldfc-net-rt"] {
            let r = try sckd(["image", dark, "-o", out, "-y", "--model", model, "--weights", weights])
            XCTAssertEqual(r.status, 0, "\(model): \(r.stderr)")
            let (mean, w, h) = try meanOfPNG(out)
            XCTAssertEqual(w, 97)
            XCTAssertEqual(h, 61)
            XCTAssertFalse(mean.isNaN)
            if model == "classic" { XCTAssertGreaterThan(mean, try meanOfPNG(dark).0 * 1.3) }
        }
    }

    func testFoldersAndFormats() throws {
        let src = "\(dir)/in"
        try FileManager.default.createDirectory(atPath: src, withIntermediateDirectories: true)
        for ext in ["png", "jpg", "bmp", "webp"] {
            try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", "\(src)/pic-\(ext).\(ext)"])
        }
        let r = try sckd(["image", src, "-o", "\(dir)/out", "--model", "classic", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let outs = try FileManager.default.contentsOfDirectory(atPath: "\(dir)/out").sorted()
        XCTAssertEqual(outs, ["pic-bmp.png", "pic-jpg.png", "pic-png.png", "pic-webp.png"])
    }

    func testBadImagesFailClearlyAndOthersStillRun() throws {
        let src = "\(dir)/in"
        try FileManager.default.createDirectory(atPath: src, withIntermediateDirectories: true)
        try "not a picture".write(toFile: "\(src)/broken.png", atomically: true, encoding: .utf8)
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=32x32", "-vf", "scale=1:1", "-frames:v", "1", "\(src)/tiny.png"])
        let r = try sckd(["image", src, "-o", "\(dir)/out", "--model", "ldfc-net", "--weights", weights, "--quiet"])
        XCTAssertEqual(r.status, 1)
        XCTAssertFalse(r.signalled)
        let lines = r.stderr.split(separator: "\n").filter { $0.contains("error") }
        XCTAssertEqual(lines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("broken.png"), r.stderr)
        // The 1x1 picture went through the network.
        let (_, w, h) = try meanOfPNG("\(dir)/out/tiny.png")
        XCTAssertEqual(w, 1)
        XCTAssertEqual(h, 1)
    }

    func testHugeImageIsTiledWithBoundedMemory() throws {
        let big = "\(dir)/big.png", out = "\(dir)/big-out.png"
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=8000x6000", "-frames:v", "1", big])
        let r = try shell("/usr/bin/time -f 'maxrss %M' '\(sckdBinary())' image '\(big)' -o '\(out)' --model ldfc-net --weights '\(weights)' --quiet 2>&1 1>/dev/null | tail -1", timeout: 900)
        let text = String(decoding: r.stdout, as: UTF8.self)
        let kb = Int(text.replacingOccurrences(of: "maxrss", with: "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        XCTAssertGreaterThan(kb, 0, text + r.stderr)
        // Input and output pictures alone are 2 x 576 MB of floats; untiled, the quality model's
        // 16-channel full-resolution features would add 3 GB per tensor.
        XCTAssertLessThan(kb, 3_000_000, "peak memory \(kb / 1024) MB")
        let v = stream(try ffprobe(out), "video")!
        XCTAssertEqual(v["width"] as? Int, 8000)
        XCTAssertEqual(v["height"] as? Int, 6000)
    }

    func testInfoReportsTheTrainingSideParameterCount() throws {
        let r = try sckd(["info", "--model", "ldfc-net-rt", "--weights", weights, "--size", "256x256"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let text = String(decoding: r.stdout, as: UTF8.self)
        // Training/count.py, for whichever real-time network the shipped file holds.
        let counts = ["ldfc-net-rt": 25046, "ldfc-net-rt-g": 25318]
        let network = text.split(separator: "\n").first.map { $0.split(separator: " ", omittingEmptySubsequences: true)[1] }
        XCTAssertTrue(text.contains("parameters   \(counts[String(network ?? "")] ?? -1)"), text)
        XCTAssertTrue(text.contains("0.105 G at 256x256"), text)
        XCTAssertFalse(text.contains("ref:"), "no reference-kernel fallback: \(text)")
    }

    func testTheBuildTreesWeightsAreFoundFromAnyDirectory() throws {
        // No --weights, started elsewhere: the Weights/ of the tree the binary was built in.
        let r = try shell("cd / && SCKD_WEIGHTS= '\(sckdBinary())' info --model ldfc-net-rt")
        XCTAssertEqual(r.status, 0, r.stderr)
        let text = String(decoding: r.stdout, as: UTF8.self)
        XCTAssertTrue(text.contains("\(weights)/ldfc-net-rt.safetensors"), text)
    }

    func testInfoWithCorruptWeightsFailsClearly() throws {
        let bad = "\(dir)/bad.safetensors"
        try Data([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).write(to: URL(fileURLWithPath: bad))
        let r = try sckd(["info", "--weights", bad])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("bad.safetensors"), r.stderr)
        let r2 = try sckd(["image", "x.png", "-o", "\(dir)/o.png", "--model", "ldfc-net", "--weights", "\(dir)/missing.safetensors"])
        XCTAssertEqual(r2.status, 1)
        XCTAssertTrue(r2.stderr.contains("missing.safetensors") && r2.stderr.contains("does not exist"), r2.stderr)
    }

    /// Weights the user names load from where they said, or the run fails in one line: never the
    /// installed ones, never the classic enhancer instead, never the other network.
    func testNamedWeightsLoadOrTheRunFails() throws {
        let dark = "\(dir)/dark.png"
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x48", "-vf", "eq=brightness=-0.35", "-frames:v", "1", dark])
        try Data("not weights".utf8).write(to: URL(fileURLWithPath: "\(dir)/text.safetensors"))
        try FileManager.default.createDirectory(atPath: "\(dir)/empty", withIntermediateDirectories: true)
        let cases: [([String], String)] = [
            (["--weights", "\(dir)/nosuch.safetensors"], "does not exist"),               // auto: no silent classic
            (["--weights", "\(dir)/text.safetensors"], "truncated or corrupt"),
            (["--model", "ldfc-net", "--weights", "\(dir)/empty"], "empty/ldfc-net.safetensors' does not exist"),
            (["--model", "ldfc-net", "--weights", "\(weights)/ldfc-net-rt.safetensors"], "not ldfc-net"),
            (["--model", "ldfc-net-rt", "--weights", "\(weights)/ldfc-net.safetensors"], "not ldfc-net-rt"),
        ]
        for (extra, message) in cases {
            let r = try sckd(["image", dark, "-o", "\(dir)/o.png", "-y"] + extra)
            XCTAssertEqual(r.status, 1, "\(extra): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(message), "\(extra): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/o.png"), "\(extra) wrote a picture")
        }
    }

    func testInfoOfSomethingThatIsNoNetworkIsAUsageError() throws {
        let r = try sckd(["info", "--model", "classic"])
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("ldfc-net or ldfc-net-rt") && !r.stderr.contains("classic.safetensors"), r.stderr)
    }
}
