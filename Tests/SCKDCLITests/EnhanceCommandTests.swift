import Foundation
import SCKDTestSupport
import XCTest

/// `sckd enhance` end to end, as a user runs it: the binary, real files, pipes and signals.
final class EnhanceCommandTests: XCTestCase {
    var dir = ""
    var clip = ""  // 320x240, 2 s, 25 fps, H.264 + AAC

    override func setUpWithError() throws {
        dir = temporaryDirectory("sckd-cli")
        clip = "\(dir)/clip.mp4"
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2", "-f", "lavfi", "-i", "sine=duration=2",
                    "-vf", "eq=brightness=-0.3", "-c:v", "libx264", "-c:a", "aac", "-shortest", clip])
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: sckdBinary()), "build sckd first: \(sckdBinary())")
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// A failed run: non-zero exit, no crash, exactly one line on stderr that contains `mentions`.
    func assertCleanFailure(_ r: ProcessResult, mentions: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(r.status, 0, file: file, line: line)
        XCTAssertFalse(r.signalled, "crashed: \(r.stderr)", file: file, line: line)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "stderr: \(r.stderr)", file: file, line: line)
        for m in mentions { XCTAssertTrue(r.stderr.contains(m), "'\(m)' not in: \(r.stderr)", file: file, line: line) }
    }

    func frameCount(_ path: String) throws -> Int {
        let j = try ffprobe(path, ["-count_frames", "-select_streams", "v:0"])
        return Int(stream(j, "video")?["nb_read_frames"] as? String ?? "0") ?? 0
    }

    func leftovers() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains("sckd-partial") }) ?? []
    }

    // MARK: - Working runs

    func testEnhancesAFileKeepingAudioAndFrames() throws {
        let out = "\(dir)/out.mp4"
        let r = try sckd(["enhance", clip, "-o", out, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        XCTAssertEqual(r.stdout.count, 0, "nothing but media data on stdout")
        XCTAssertEqual(try frameCount(out), 50)
        XCTAssertNotNil(stream(try ffprobe(out), "audio"))
        let a = try decodeRGB(clip, width: 320, height: 240), b = try decodeRGB(out, width: 320, height: 240)
        let mean = { (f: [UInt8]) in f.reduce(0) { $0 + Double($1) } / Double(f.count) }
        XCTAssertGreaterThan(mean(b[10]), mean(a[10]) * 1.2, "the classic enhancer brightens")
        XCTAssertTrue(leftovers().isEmpty)
    }

    func testPipesIntoFFprobeAndReadsStdin() throws {
        // Streamable input (an mp4 with its index at the end cannot be read from a pipe, by anyone).
        let mkv = "\(dir)/clip.mkv"
        try ffmpeg(["-i", clip, "-c", "copy", mkv])
        let r = try shell("'\(sckdBinary())' enhance - -o - -f nut --quiet < '\(mkv)' | ffprobe -v error -count_frames -show_entries stream=codec_type,nb_read_frames -of csv -")
        XCTAssertEqual(r.status, 0, r.stderr)
        let text = String(decoding: r.stdout, as: UTF8.self)
        XCTAssertTrue(text.contains("video,50"), text)
        XCTAssertTrue(text.contains("audio"), text)
    }

    func testThreadsFollowTheCPUsTheRunIsGiven() throws {
        // A cluster task or container gets a share of the machine: one CPU here, one worker.
        let r = try runProcess("/usr/bin/taskset", ["-c", "0", sckdBinary(), "enhance", clip, "-o", "\(dir)/one-cpu.mkv", "--model", "classic"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("1 worker(s) x 1 thread(s) per stage"), r.stderr)
    }

    func testProgressGoesToStderr() throws {
        let r = try sckd(["enhance", clip, "-o", "\(dir)/p.mkv", "--progress"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("frame "), r.stderr)
        XCTAssertTrue(r.stderr.contains("50 frames in"), r.stderr)
        XCTAssertEqual(r.stdout.count, 0)
    }

    func testCodecAndContainerChoices() throws {
        for (args, name, codec) in [(["--codec", "ffv1"], "a.mkv", "ffv1"), (["-f", "nut"], "b.bin", "h264"),
                                    (["-f", "y4m"], "c.y4m", "rawvideo"), (["--codec", "rawvideo", "-f", "y4m"], "d.y4m", "rawvideo")] {
            let out = "\(dir)/\(name)"
            let r = try sckd(["enhance", clip, "-o", out, "--quiet"] + args)
            XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
            XCTAssertEqual(stream(try ffprobe(out), "video")?["codec_name"] as? String, codec)
            XCTAssertEqual(try frameCount(out), 50, "\(args)")
        }
    }

    func testNullMuxerRunsThePipelineAndWritesNothing() throws {
        // `-f null` as in ffmpeg: every frame through the network, nothing written (for timing).
        let out = "\(dir)/timing.null"
        let r = try sckd(["enhance", clip, "-o", out, "-f", "null", "--model", "classic", "--stats"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("50 frames"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertEqual(leftovers(), [])
    }

    func testCompareModes() throws {
        let wide = "\(dir)/wide.mkv", split = "\(dir)/split.mkv"
        XCTAssertEqual(try sckd(["enhance", clip, "-o", wide, "--compare", "side-by-side", "--codec", "ffv1", "--quiet"]).status, 0)
        XCTAssertEqual(try sckd(["enhance", clip, "-o", split, "--compare", "split", "--codec", "ffv1", "--quiet"]).status, 0)
        let w = stream(try ffprobe(wide), "video")!
        XCTAssertEqual(w["width"] as? Int, 640)
        XCTAssertEqual(w["height"] as? Int, 240)
        let s = stream(try ffprobe(split), "video")!
        XCTAssertEqual(s["width"] as? Int, 320)
        // Left of the split is the original, right the enhanced picture.
        let plain = "\(dir)/plain.mkv"
        XCTAssertEqual(try sckd(["enhance", clip, "-o", plain, "--codec", "ffv1", "--quiet"]).status, 0)
        let f = try decodeRGB(split, width: 320, height: 240)[10]
        let original = try decodeRGB(clip, width: 320, height: 240)[10], enhanced = try decodeRGB(plain, width: 320, height: 240)[10]
        func columns(_ px: [UInt8], _ range: Range<Int>) -> [UInt8] {
            (0..<240).flatMap { y in range.flatMap { x in (0..<3).map { px[(y * 320 + x) * 3 + $0] } } }
        }
        XCTAssertGreaterThan(psnr(columns(f, 0..<150), columns(original, 0..<150)), 40)
        XCTAssertGreaterThan(psnr(columns(f, 170..<320), columns(enhanced, 170..<320)), 40)
    }

    func testStatsReportStagesAndQueues() throws {
        let r = try sckd(["enhance", clip, "-o", "\(dir)/s.mkv", "--stats", "--workers", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for word in ["phase A", "phase B", "smoothing", "queues", "dropped 0"] { XCTAssertTrue(r.stderr.contains(word), r.stderr) }
    }

    // MARK: - Bad input: one clear line, non-zero exit, nothing lost

    func testMissingFile() throws {
        assertCleanFailure(try sckd(["enhance", "\(dir)/nope.mp4", "-o", "\(dir)/o.mp4"]), mentions: ["nope.mp4", "No such file"])
    }

    func testDirectory() throws {
        assertCleanFailure(try sckd(["enhance", dir, "-o", "\(dir)/o.mp4"]), mentions: [dir, "directory"])
    }

    func testTextFileRenamedMp4() throws {
        let fake = "\(dir)/notes.mp4"
        try "these are my notes, not a video\n".write(toFile: fake, atomically: true, encoding: .utf8)
        assertCleanFailure(try sckd(["enhance", fake, "-o", "\(dir)/o.mp4"]), mentions: ["notes.mp4"])
    }

    func testTruncatedMp4() throws {
        // Index at the end (the default): cut off, the file cannot be opened.
        let data = try Data(contentsOf: URL(fileURLWithPath: clip))
        let cut = "\(dir)/cut.mp4"
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut))
        assertCleanFailure(try sckd(["enhance", cut, "-o", "\(dir)/o.mp4"]), mentions: ["cut.mp4"])
        // Index at the front: what is there is enhanced, and the run says so.
        let fast = "\(dir)/fast.mp4", fastCut = "\(dir)/fastcut.mp4"
        try ffmpeg(["-i", clip, "-c", "copy", "-movflags", "+faststart", fast])
        let d2 = try Data(contentsOf: URL(fileURLWithPath: fast))
        try d2.prefix(d2.count / 2).write(to: URL(fileURLWithPath: fastCut))
        let r = try sckd(["enhance", fastCut, "-o", "\(dir)/o2.mp4"])
        XCTAssertFalse(r.signalled)
        XCTAssertEqual(r.status, 0, r.stderr)
        let n = try frameCount("\(dir)/o2.mp4")
        XCTAssertTrue(n > 5 && n < 50, "\(n) frames from half a file")
    }

    func testAudioOnlyFile() throws {
        let audio = "\(dir)/song.m4a"
        try ffmpeg(["-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", audio])
        assertCleanFailure(try sckd(["enhance", audio, "-o", "\(dir)/o.mp4"]), mentions: ["song.m4a", "no video stream"])
    }

    func testUnwritableOutput() throws {
        assertCleanFailure(try sckd(["enhance", clip, "-o", "\(dir)/no/such/dir/o.mp4"]), mentions: ["no/such/dir", "does not exist"])
        // /proc refuses new files even to root.
        assertCleanFailure(try sckd(["enhance", clip, "-o", "/proc/sckd-out.mp4"]), mentions: ["/proc/sckd-out.mp4"])
    }

    func testOutputEqualsInput() throws {
        let before = try Data(contentsOf: URL(fileURLWithPath: clip))
        assertCleanFailure(try sckd(["enhance", clip, "-o", clip, "-y"]), mentions: ["clip.mp4", "input"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: clip)), before)
    }

    func testUnknownCodecAndContainer() throws {
        assertCleanFailure(try sckd(["enhance", clip, "-o", "\(dir)/o.mp4", "--codec", "h267"]), mentions: ["h267"])
        assertCleanFailure(try sckd(["enhance", clip, "-o", "\(dir)/o.mp4", "--codec", "aac"]), mentions: ["aac", "not a video encoder"])
        assertCleanFailure(try sckd(["enhance", clip, "-o", "\(dir)/o.xyz"]), mentions: ["o.xyz", "-f"])
        assertCleanFailure(try sckd(["enhance", clip, "-o", "\(dir)/o.mp4", "-f", "matroshka"]), mentions: ["matroshka"])
        XCTAssertTrue(leftovers().isEmpty)
    }

    func testExistingOutputIsKeptUnlessOverwriteAndFailedRunsLeaveItAlone() throws {
        let out = "\(dir)/keep.mp4"
        try "earlier result".write(toFile: out, atomically: true, encoding: .utf8)
        assertCleanFailure(try sckd(["enhance", clip, "-o", out]), mentions: ["keep.mp4", "-y"])
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), "earlier result")
        // -y with an input that fails mid-way: the earlier file survives, no temporary is left.
        let fake = "\(dir)/bad.mp4"
        try Data(repeating: 7, count: 5000).write(to: URL(fileURLWithPath: fake))
        assertCleanFailure(try sckd(["enhance", fake, "-o", out, "-y"]), mentions: ["bad.mp4"])
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), "earlier result")
        XCTAssertTrue(leftovers().isEmpty, "\(leftovers())")
        // -y with a good input replaces it.
        XCTAssertEqual(try sckd(["enhance", clip, "-o", out, "-y", "--quiet"]).status, 0)
        XCTAssertEqual(try frameCount(out), 50)
    }

    func testCorruptFrameIsSkippedAndCounted() throws {
        let src = "\(dir)/m.avi", bad = "\(dir)/mbad.avi"
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2", "-c:v", "mjpeg", src])
        var bytes = try Data(contentsOf: URL(fileURLWithPath: src))
        let soi = bytes.indices.dropLast().filter { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xD8 }
        for i in (soi[20] + 2)..<(soi[20] + (soi[21] - soi[20]) * 3 / 4) { bytes[i] = 0xFF }
        try bytes.write(to: URL(fileURLWithPath: bad))
        let r = try sckd(["enhance", bad, "-o", "\(dir)/m.mkv"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("corrupt frames skipped"), r.stderr)
        XCTAssertEqual(try frameCount("\(dir)/m.mkv"), 49)
    }

    func testCtrlCFinalisesAPlayablePartialOutput() throws {
        let long = "\(dir)/long.mkv", out = "\(dir)/partial.mp4"
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=60", "-c:v", "libx264", "-preset", "ultrafast", long])
        let p = Process()
        p.executableURL = URL(fileURLWithPath: sckdBinary())
        p.arguments = ["enhance", long, "-o", out, "--quiet"]
        p.standardError = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 3)
        p.interrupt()  // SIGINT, as Ctrl-C
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .exit)
        XCTAssertEqual(p.terminationStatus, 130)
        let n = try frameCount(out)
        XCTAssertGreaterThan(n, 0, "the partial output plays")
        XCTAssertLessThan(n, 1500)
        XCTAssertTrue(leftovers().isEmpty)
    }

    func testFullDiskFailsCleanly() throws {
        let full = "\(dir)/full"
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        let mounted = try runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=16k", "tmpfs", full])
        guard mounted.status == 0 else { throw XCTSkip("cannot mount a small tmpfs here: \(mounted.stderr)") }
        defer { _ = try? runProcess("/bin/umount", [full]) }
        assertCleanFailure(try sckd(["enhance", clip, "-o", "\(full)/o.mp4", "--quiet"]), mentions: ["o.mp4", "No space left"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: full), [], "the partial file is removed")
    }

    func testClosedPipeEndsQuietly() throws {
        let r = try shell("'\(sckdBinary())' enhance '\(clip)' -o - -f nut 2>'\(dir)/err.txt' | head -c 2000 > /dev/null; echo \"status ${PIPESTATUS[0]}\"")
        let text = String(decoding: r.stdout, as: UTF8.self)
        XCTAssertTrue(text.contains("status 141"), text)
        let err = try String(contentsOfFile: "\(dir)/err.txt", encoding: .utf8)
        XCTAssertFalse(err.contains("error"), err)
    }
}
