import Foundation
import SCKDTestSupport
import XCTest

/// `sckd plan`, `sckd enhance --segment`, `sckd join`, as a cluster's tasks run them.
final class SegmentCommandTests: XCTestCase {
    var dir = ""
    var clip = ""  // 192x108, 6 s, 25 fps, a keyframe every second, B-frames, H.264 + AAC
    var manifest = ""

    override func setUpWithError() throws {
        dir = temporaryDirectory("sckd-segments")
        clip = "\(dir)/clip.mp4"
        manifest = "\(dir)/clip.manifest.json"
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=192x108:rate=25:duration=6", "-f", "lavfi", "-i", "sine=duration=6",
                    "-vf", "eq=brightness=-0.3", "-c:v", "libx264", "-g", "25", "-bf", "2", "-c:a", "aac", "-shortest", clip])
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: sckdBinary()), "build sckd first: \(sckdBinary())")
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func plan(_ extra: [String] = []) throws -> Int {
        let r = try sckd(["plan", clip, "-o", manifest, "--quiet"] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        return Int(String(decoding: r.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    func enhance(_ k: Int, _ extra: [String] = []) throws -> ProcessResult {
        try sckd(["enhance", clip, "--manifest", manifest, "--segment", String(k), "--model", "classic", "--codec", "ffv1"] + extra)
    }

    func part(_ k: Int) -> String { "\(dir)/clip.parts/part-\(String(format: "%04d", k)).mkv" }

    func frames(_ path: String) throws -> [[UInt8]] { try decodeRGB(path, width: 192, height: 108) }

    func testPlanEnhanceJoinMatchesOneRun() throws {
        XCTAssertEqual(try plan(["--segments", "3"]), 3, "the count goes to stdout")
        // Out of order, as an array's tasks may run.
        for k in [2, 0, 1] {
            let r = try enhance(k)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("segment \(k) of 3"), r.stderr)
        }
        let joined = "\(dir)/joined.mkv", single = "\(dir)/single.mkv"
        let j = try sckd(["join", manifest, "-o", joined])
        XCTAssertEqual(j.status, 0, j.stderr)
        XCTAssertTrue(j.stderr.contains("3 part(s), 150 frames"), j.stderr)
        let s = try sckd(["enhance", clip, "-o", single, "--model", "classic", "--codec", "ffv1", "--quiet"])
        XCTAssertEqual(s.status, 0, s.stderr)

        let probe = try ffprobe(joined)
        XCTAssertNotNil(stream(probe, "audio"), "the source's audio is copied")
        XCTAssertEqual(stream(probe, "video")?["codec_name"] as? String, "ffv1", "stream copy: the parts' coding")
        let a = try frames(joined), b = try frames(single)
        XCTAssertEqual(a.count, 150)
        XCTAssertEqual(b.count, 150)
        // Same times as one run's (which keeps the source's, shifted with the audio's as the muxer must).
        let times = try videoPacketTimes(joined), oneRunTimes = try videoPacketTimes(single)
        XCTAssertEqual(times.count, 150)
        XCTAssertEqual(times, oneRunTimes)
        // The smoother warmed up over the two seconds before each join: the frames agree.
        let worst = zip(a, b).map { psnr($0, $1) }.min()!
        XCTAssertGreaterThan(worst, 45, "the joined video is the one-run video, but for the smoother's warm-up")
    }

    func testCompletePartsAreSkippedAndChangedSettingsRedone() throws {
        _ = try plan(["--segment-seconds", "3"])
        XCTAssertEqual(try enhance(1).status, 0)
        let made = try FileManager.default.attributesOfItem(atPath: part(1))[.modificationDate] as! Date
        let again = try enhance(1)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("is complete: skipped"), again.stderr)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: part(1))[.modificationDate] as! Date, made)

        let other = try enhance(1, ["--temporal-smoothing", "0.3"])
        XCTAssertEqual(other.status, 0, other.stderr)
        XCTAssertTrue(other.stderr.contains("was made with other settings: enhancing it again"), other.stderr)
        XCTAssertEqual(try enhance(0).status, 0)
        let mixed = try sckd(["join", manifest, "-o", "\(dir)/j.mkv"])
        XCTAssertEqual(mixed.status, 1)
        XCTAssertTrue(mixed.stderr.contains("part 1 was made with other settings than part 0"), mixed.stderr)
        XCTAssertEqual(mixed.stderr.split(separator: "\n").count, 1, mixed.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/j.mkv"))
    }

    func testJoinNamesTheMissingPartAndABrokenOneIsRedone() throws {
        XCTAssertEqual(try plan(["--segments", "3"]), 3)
        XCTAssertEqual(try enhance(0).status, 0)
        XCTAssertEqual(try enhance(2).status, 0)
        let r = try sckd(["join", manifest, "-o", "\(dir)/j.mkv"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "sckd: error: part 1 of 3 ('\(part(1))') is missing: enhance segment 1 first\n")

        // A task killed after writing (or a copy cut short) leaves a part with frames missing.
        XCTAssertEqual(try enhance(1).status, 0)
        try ffmpeg(["-i", part(1), "-c", "copy", "-frames:v", "10", "\(dir)/short.mkv"])
        try FileManager.default.removeItem(atPath: part(1))
        try FileManager.default.moveItem(atPath: "\(dir)/short.mkv", toPath: part(1))
        let broken = try sckd(["join", manifest, "-o", "\(dir)/j.mkv"])
        XCTAssertEqual(broken.status, 1)
        XCTAssertTrue(broken.stderr.contains("part 1 of 3") && broken.stderr.contains("has 10 of its 50 frames"), broken.stderr)
        let redo = try enhance(1)
        XCTAssertEqual(redo.status, 0, redo.stderr)
        XCTAssertTrue(redo.stderr.contains("has 10 of its 50 frames: enhancing it again"), redo.stderr)
        XCTAssertEqual(try sckd(["join", manifest, "-o", "\(dir)/j.mkv"]).status, 0)
        XCTAssertEqual(try frames("\(dir)/j.mkv").count, 150)
    }

    func testAStoppedSegmentLeavesNoPart() throws {
        let long = "\(dir)/long.mkv"
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=60", "-c:v", "libx264", "-preset", "ultrafast",
                    "-g", "250", long])
        let m = "\(dir)/long.manifest.json"
        XCTAssertEqual(try sckd(["plan", long, "-o", m, "--segments", "2", "--quiet"]).status, 0)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: sckdBinary())
        p.arguments = ["enhance", long, "--manifest", m, "--segment", "1", "--quiet"]
        let err = Pipe()
        p.standardError = err
        try p.run()
        Thread.sleep(forTimeInterval: 3)
        p.interrupt()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130)
        let said = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(said.contains("stopped before the end: nothing written"), said)
        let parts = (try? FileManager.default.contentsOfDirectory(atPath: "\(dir)/long.parts")) ?? []
        XCTAssertEqual(parts, [], "no part, not even a temporary one")
    }

    func testMistakesAreRefusedInOneLine() throws {
        XCTAssertEqual(try plan(["--segments", "2"]), 2)
        let cases: [([String], String, Int32)] = [
            (["enhance", clip, "--manifest", manifest, "--segment", "5", "--model", "classic"], "segment 5 does not exist: the manifest has segments 0 to 1", 1),
            (["enhance", clip, "--segment", "0", "-o", "x.mkv"], "--segment and --manifest go together", 64),
            (["enhance", clip, "--manifest", manifest, "--segment", "0", "-o", "\(dir)/elsewhere.mkv"], "the manifest puts this segment's part at", 1),
            (["enhance", clip], "missing -o OUTPUT", 64),
            (["enhance", "\(dir)/other.mp4", "--manifest", manifest, "--segment", "0"], "is not the video the manifest was planned for", 1),
            (["join", "\(dir)/none.json", "-o", "\(dir)/j.mkv"], "cannot read the manifest", 1),
            (["join", clip, "-o", "\(dir)/j.mkv"], "not an sckd manifest", 1),
            (["join", manifest, "-o", clip, "-y"], "is the input file", 1),
            (["plan", clip, "--segments", "2", "--segment-seconds", "3"], "give one of --segments or --segment-seconds", 64),
            (["plan", clip, "--segments", "0"], "--segments must be between 1 and 100000", 64),
            (["plan", clip, "-o", manifest, "--segments", "2"], "already exists (use -y to overwrite)", 1),
        ]
        try ffmpeg(["-i", clip, "-t", "1", "-c", "copy", "\(dir)/other.mp4"])
        for (arguments, says, status) in cases {
            let r = try sckd(arguments)
            XCTAssertEqual(r.status, status, "\(arguments): \(r.stderr)")
            XCTAssertFalse(r.signalled)
            XCTAssertTrue(r.stderr.contains(says), "\(arguments): '\(says)' not in: \(r.stderr)")
            if status == 1 { XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(arguments): \(r.stderr)") }
        }
    }

    func testFewKeyframesGiveFewerSegmentsWithAWarning() throws {
        let one = "\(dir)/one-gop.mp4"
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=192x108:rate=25:duration=4", "-c:v", "libx264", "-g", "1000", one])
        let r = try sckd(["plan", one, "-o", "\(dir)/one.json", "--segments", "4"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(String(decoding: r.stdout, as: UTF8.self), "1\n")
        XCTAssertTrue(r.stderr.contains("1 segment(s), not 4: the video has 1 keyframe(s)"), r.stderr)
    }
}
