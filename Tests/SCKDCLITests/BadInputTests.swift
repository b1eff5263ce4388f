import Foundation
import SCKDTestSupport
import XCTest

/// What a hostile-but-realistic user tries, one line each: every case must end in a clear one-line
/// error and a non-zero exit (or, where the intent is plain, do the right thing), never crash,
/// never leave a temporary file, and never replace or remove anything the user has.
final class BadInputTests: XCTestCase {
    enum Outcome {
        /// A failure the command explains: exit 1, one "sckd: error:" line naming all of `mentions`.
        case fails([String])
        /// A usage error: exit 64, the message first.
        case usage([String])
        /// Works; stderr (without --quiet) mentions all of `mentions`.
        case works([String])
    }

    struct Case {
        let name: String
        let args: [String]
        let outcome: Outcome
        /// Paths that must be exactly as they were afterwards (type, bytes, link target).
        var keeps: [String] = []
        var check: ((String) throws -> Void)?
    }

    var dir = ""
    var clip = ""
    let weights = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Weights").path

    override func setUpWithError() throws {
        dir = temporaryDirectory("sckd-bad")
        clip = "\(dir)/clip.mp4"
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=1", "-f", "lavfi", "-i", "sine=duration=1",
                    "-vf", "eq=brightness=-0.3", "-c:v", "libx264", "-g", "1", "-c:a", "aac", "-shortest", "-movflags", "+faststart", clip])
        try ffmpeg(["-i", clip, "-frames:v", "1", "\(dir)/a.png"])
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: sckdBinary()), "build sckd first: \(sckdBinary())")
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func file(_ name: String, _ text: String) throws -> String {
        let path = "\(dir)/\(name)"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func folder(_ name: String) throws -> String {
        let path = "\(dir)/\(name)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func copy(_ from: String, _ name: String) throws -> String {
        let path = "\(dir)/\(name)"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: from, toPath: path)
        return path
    }

    /// What a path is, to compare before and after: its type, link target and bytes.
    func snapshot(_ path: String) -> String {
        var st = stat()
        guard lstat(path, &st) == 0 else { return "absent" }
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) { return "link->\(target)" }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return "file \(FileManager.default.contents(atPath: path)?.hashValue ?? 0) \(st.st_mode & 0o7777)"
        case S_IFDIR: return "dir " + ((try? FileManager.default.contentsOfDirectory(atPath: path).sorted()) ?? []).joined(separator: ",")
        default: return "special \(st.st_mode & S_IFMT) \(st.st_rdev)"
        }
    }

    func run(_ cases: [Case], file: StaticString = #filePath, line: UInt = #line) throws {
        for c in cases {
            let before = c.keeps.map(snapshot)
            let r = try sckd(c.args, timeout: 120)
            let where_ = "\(c.name): sckd \(c.args.joined(separator: " "))\n\(r.stderr)"
            XCTAssertFalse(r.signalled || [132, 134, 139].contains(r.status), "crashed: \(where_)", file: file, line: line)
            let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("sckd: error:") || $0.hasPrefix("Error:") }
            switch c.outcome {
            case let .fails(mentions), let .usage(mentions):
                let usage: Bool
                if case .usage = c.outcome { usage = true } else { usage = false }
                XCTAssertEqual(r.status, usage ? 64 : 1, where_, file: file, line: line)
                XCTAssertEqual(errors.count, 1, "one error line: \(where_)", file: file, line: line)
                if usage { XCTAssertTrue(r.stderr.hasPrefix("Error: "), where_, file: file, line: line) }
                for m in mentions { XCTAssertTrue(errors.first?.contains(m) == true, "'\(m)' not said: \(where_)", file: file, line: line) }
            case let .works(mentions):
                XCTAssertEqual(r.status, 0, where_, file: file, line: line)
                XCTAssertTrue(errors.isEmpty, where_, file: file, line: line)
                for m in mentions { XCTAssertTrue(r.stderr.contains(m), "'\(m)' not said: \(where_)", file: file, line: line) }
            }
            XCTAssertEqual(c.keeps.map(snapshot), before, "changed what the user had: \(where_)", file: file, line: line)
            let partial = FileManager.default.enumerator(atPath: dir)?.compactMap { $0 as? String }.filter { $0.contains("sckd-partial") } ?? []
            XCTAssertEqual(partial, [], "left a temporary file: \(where_)", file: file, line: line)
            try c.check?(where_)
        }
    }

    // MARK: - Outputs: nothing the user has is replaced

    func testOutputsNeverReplaceWhatTheUserHas() throws {
        let a = "\(dir)/a.png"
        let existing = try file("existing.mp4", "precious")
        let json = try file("results.json", "precious")
        let adir = try folder("adir")
        let notDir = try file("somefile.txt", "text")
        let pics = try folder("pics")
        _ = try copy(a, "pics/a.png")
        _ = try copy(a, "pics/b.png")
        try ffmpeg(["-i", a, "\(pics)/a.jpg"])
        let low = try folder("low"), high = try folder("high")
        _ = try copy(a, "low/x.png")
        _ = try copy(a, "high/x.png")
        let saved = try folder("saved")
        let savedX = try file("saved/x.png", "precious")
        let real = try file("real.json", "precious")
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/link.json", withDestinationPath: "real.json")
        let quiet = ["--model", "classic", "--quiet"]
        var cases = [
            Case(name: "existing output without -y", args: ["enhance", clip, "-o", existing] + quiet,
                 outcome: .fails(["already exists", "-y"]), keeps: [existing]),
            Case(name: "output is the input, even with -y", args: ["enhance", clip, "-o", clip, "-y"] + quiet,
                 outcome: .fails(["is the input"]), keeps: [clip]),
            Case(name: "output is a directory", args: ["enhance", clip, "-o", adir, "-y"] + quiet,
                 outcome: .fails(["is a directory"]), keeps: [adir]),
            Case(name: "a file used as a directory", args: ["enhance", clip, "-o", "\(notDir)/out.mp4"] + quiet,
                 outcome: .fails(["somefile.txt' is a file"]), keeps: [notDir]),
            Case(name: "missing directory", args: ["enhance", clip, "-o", "\(dir)/nosuch/out.mp4"] + quiet,
                 outcome: .fails(["does not exist"])),
            Case(name: "a full device is written in place, not replaced", args: ["enhance", clip, "-o", "/dev/full", "-f", "mp4", "-y"] + quiet,
                 outcome: .fails(["No space left"]), keeps: ["/dev/full"]),
            Case(name: "/dev/null is written in place", args: ["enhance", clip, "-o", "/dev/null", "-f", "nut"] + quiet,
                 outcome: .works([]), keeps: ["/dev/null"]),
            Case(name: "image onto its own input", args: ["image", a, "-o", a, "-y"] + quiet,
                 outcome: .fails(["is the input"]), keeps: [a]),
            Case(name: "image folder into itself", args: ["image", pics, "-o", pics, "-y"] + quiet,
                 outcome: .fails(["input folder"]), keeps: [pics, "\(pics)/a.png"]),
            Case(name: "two inputs, one output name", args: ["image", pics, "-o", "\(dir)/out", "-y"] + quiet,
                 outcome: .fails(["a.jpg", "a.png", "both"]), keeps: [pics],
                 check: { XCTAssertFalse(FileManager.default.fileExists(atPath: "\(self.dir)/out"), "made the folder: \($0)") }),
            Case(name: "eval --json onto an existing file", args: ["eval", "--low", low, "--high", high, "--model", "none", "--json", json],
                 outcome: .fails(["already exists"]), keeps: [json]),
            Case(name: "eval --json onto a folder", args: ["eval", "--low", low, "--high", high, "--model", "none", "--json", adir],
                 outcome: .fails(["is a directory"]), keeps: [adir]),
            Case(name: "eval --save into an input folder", args: ["eval", "--low", low, "--high", high, "--model", "none", "--save", low, "-y"],
                 outcome: .fails(["input folder"]), keeps: [low, "\(low)/x.png"]),
            Case(name: "eval --save over existing pictures", args: ["eval", "--low", low, "--high", high, "--model", "none", "--save", saved],
                 outcome: .fails(["already exists"]), keeps: [savedX]),
            Case(name: "bench --json onto an existing file, refused before benchmarking",
                 args: ["bench", "--network-only", "--size", "64x48", "--runs", "1", "--json", json],
                 outcome: .fails(["already exists"]), keeps: [json]),
            Case(name: "bench --json onto a folder", args: ["bench", "--network-only", "--size", "64x48", "--runs", "1", "--json", adir],
                 outcome: .fails(["is a directory"]), keeps: [adir]),
            Case(name: "eval --json -y through a symbolic link replaces the target, keeps the link",
                 args: ["eval", "--low", low, "--high", high, "--model", "none", "--json", "\(dir)/link.json", "-y"],
                 outcome: .works([]), keeps: ["\(dir)/link.json"],
                 check: { XCTAssertTrue(String(decoding: FileManager.default.contents(atPath: real) ?? Data(), as: UTF8.self).contains("\"psnr\""), $0) }),
        ]
        if getuid() != 0 {  // root writes anywhere
            let locked = try folder("locked")
            chmod(locked, 0o555)
            cases.append(Case(name: "unwritable folder", args: ["enhance", clip, "-o", "\(locked)/o.mp4"] + quiet,
                              outcome: .fails(["not writable"]), keeps: [locked]))
        }
        try run(cases)
    }

    func testFIFOOutputIsWrittenInPlace() throws {
        let fifo = "\(dir)/f"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        let r = try shell("cat '\(fifo)' > '\(dir)/got.nut' & '\(sckdBinary())' enhance '\(clip)' -o '\(fifo)' -f nut -y --model classic --quiet; s=$?; wait; exit $s", timeout: 60)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(snapshot(fifo).hasPrefix("special"), true, "the FIFO was replaced")
        let frames = stream(try ffprobe("\(dir)/got.nut", ["-count_frames"]), "video")?["nb_read_frames"] as? String
        XCTAssertEqual(frames, "10", "the reader got every frame")
    }

    // MARK: - Weights: what the user named runs, or nothing

    func testWeightsThatCannotRunAreRefused() throws {
        let dark = "\(dir)/a.png"
        let text = try file("text.safetensors", "not weights")
        let empty = try folder("empty")
        // The shipped weights with every value set to NaN (all bits one after the header).
        var nan = try Data(contentsOf: URL(fileURLWithPath: "\(weights)/ldfc-net-rt.safetensors"))
        let headerEnd = 8 + Int(nan.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        nan.replaceSubrange(headerEnd..<nan.count, with: [UInt8](repeating: 0xFF, count: nan.count - headerEnd))
        let nanPath = "\(dir)/nan.safetensors"
        try nan.write(to: URL(fileURLWithPath: nanPath))
        let out = ["-o", "\(dir)/o.png", "-y"]
        try run([
            Case(name: "named weights that do not exist", args: ["image", dark, "--weights", "\(dir)/nosuch.safetensors"] + out,
                 outcome: .fails(["does not exist"])),
            Case(name: "a text file as weights", args: ["image", dark, "--weights", text] + out, outcome: .fails(["corrupt"])),
            Case(name: "an empty weights folder", args: ["image", dark, "--model", "ldfc-net", "--weights", empty] + out,
                 outcome: .fails(["does not exist"])),
            Case(name: "the other network's weights", args: ["image", dark, "--model", "ldfc-net", "--weights", "\(weights)/ldfc-net-rt.safetensors"] + out,
                 outcome: .fails(["not ldfc-net"])),
            Case(name: "NaN weights", args: ["image", dark, "--model", "ldfc-net-rt", "--weights", nanPath] + out,
                 outcome: .fails(["NaN or infinite"])),
            Case(name: "info of weights that are not weights", args: ["info", "--weights", text], outcome: .fails(["text.safetensors"])),
        ])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/o.png"), "a refused run wrote a picture")
    }

    // MARK: - Options: usage errors, not crashes or confusion

    func testNonsenseOptionsAreUsageErrors() throws {
        let o = "\(dir)/o.mp4"
        try run([
            Case(name: "negative strength", args: ["enhance", clip, "-o", o, "--model", "classic", "--strength", "-1"],
                 outcome: .usage(["--strength must be between 0 and 1"])),
            Case(name: "exposure out of range", args: ["enhance", clip, "-o", o, "--exposure", "3"], outcome: .usage(["--exposure"])),
            Case(name: "absurd thread count", args: ["enhance", clip, "-o", o, "--threads", "100000"], outcome: .usage(["--threads"])),
            Case(name: "no threads", args: ["enhance", clip, "-o", o, "--threads", "0"], outcome: .usage(["--threads"])),
            Case(name: "negative crf", args: ["enhance", clip, "-o", o, "--crf", "-5"], outcome: .usage(["--crf"])),
            Case(name: "smoothing out of range", args: ["enhance", clip, "-o", o, "--temporal-smoothing", "2"], outcome: .usage(["--temporal-smoothing"])),
            Case(name: "no workers", args: ["enhance", clip, "-o", o, "--workers", "0"], outcome: .usage(["--workers"])),
            Case(name: "stdout without a container", args: ["enhance", clip, "-o", "-"], outcome: .usage(["container"])),
            Case(name: "unknown model", args: ["enhance", clip, "-o", o, "--model", "magic"], outcome: .usage(["magic"])),
            Case(name: "bench with no runs", args: ["bench", "--network-only", "--runs", "0"], outcome: .usage(["--runs"])),
            Case(name: "bench with no frames", args: ["bench", "--frames", "0"], outcome: .usage(["--frames"])),
            Case(name: "bench with absurd threads", args: ["bench", "--network-only", "--threads", "100000"], outcome: .usage(["--threads"])),
            Case(name: "info of the classic enhancer", args: ["info", "--model", "classic"], outcome: .usage(["ldfc-net"])),
            Case(name: "camera without a device", args: ["camera", "-o", o], outcome: .usage(["device"])),
            Case(name: "camera with a negative duration", args: ["camera", "/dev/video0", "-o", o, "--duration", "-1"], outcome: .usage(["--duration"])),
            Case(name: "unknown codec", args: ["enhance", clip, "-o", o, "--codec", "nosuchcodec", "--model", "classic"],
                 outcome: .fails(["nosuchcodec"])),
            Case(name: "unknown container", args: ["enhance", clip, "-o", o, "-f", "nosuchformat", "--model", "classic"],
                 outcome: .fails(["nosuchformat"])),
            Case(name: "a container that cannot hold the codec", args: ["enhance", clip, "-o", "\(dir)/x.y4m", "--codec", "libx264", "--model", "classic"],
                 outcome: .fails(["cannot hold libx264"])),
            Case(name: "an extension FFmpeg does not know", args: ["enhance", clip, "-o", "\(dir)/x.nosuch", "--model", "classic"],
                 outcome: .fails(["-f"])),
        ])
    }

    // MARK: - Inputs: damaged, wrong or absurd

    func testBadInputsFailInOneLine() throws {
        let o = "\(dir)/o.mp4"
        let text = try file("notes.mp4", "this is not a video\n")
        let empty = try file("empty.mp4", "")
        let huge = try file("huge.y4m", "YUV4MPEG2 W100000 H100000 F25:1 Ip A1:1 C420jpeg\nFRAME\nabc")
        let shortY4m = try file("short.y4m", "YUV4MPEG2 W64 H48 F25:1 Ip A1:1 C420jpeg\nFRAME\nabc")
        let audio = "\(dir)/tone.m4a"
        try ffmpeg(["-f", "lavfi", "-i", "sine=duration=0.5", audio])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: clip))
        let half = "\(dir)/half.mp4"
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: half))
        let low = try folder("low"), other = try folder("other")
        _ = try copy("\(dir)/a.png", "low/x.png")
        _ = try copy("\(dir)/a.png", "other/y.png")
        let pics = try folder("pics")
        _ = try copy("\(dir)/a.png", "pics/good.png")
        _ = try file("pics/broken.png", "\u{89}PNG\r\n\u{1A}\nbroken")
        let classic = ["--model", "classic"]
        try run([
            Case(name: "missing file", args: ["enhance", "\(dir)/nosuch.mp4", "-o", o] + classic, outcome: .fails(["nosuch.mp4"])),
            Case(name: "a directory as input", args: ["enhance", dir, "-o", o] + classic, outcome: .fails(["is a directory"])),
            Case(name: "text named .mp4", args: ["enhance", text, "-o", o] + classic, outcome: .fails(["notes.mp4"])),
            Case(name: "empty file", args: ["enhance", empty, "-o", o] + classic, outcome: .fails(["empty.mp4"])),
            Case(name: "audio only", args: ["enhance", audio, "-o", o] + classic, outcome: .fails(["no video stream"])),
            Case(name: "y4m header claiming 100000x100000", args: ["enhance", huge, "-o", o] + classic,
                 outcome: .fails(["100000x100000", "16384"])),
            Case(name: "y4m with a cut-off frame", args: ["enhance", shortY4m, "-o", o] + classic, outcome: .fails(["short.y4m"])),
            Case(name: "faststart mp4 cut in half: what is there, and a warning", args: ["enhance", half, "-o", o, "-y"] + classic,
                 outcome: .works(["ended early", "of the 10 frames"])),
            Case(name: "eval with no names in common", args: ["eval", "--low", low, "--high", other], outcome: .fails(["no file names in common"])),
            Case(name: "eval of a missing folder", args: ["eval", "--low", "\(dir)/nosuch", "--high", other], outcome: .fails(["not a folder"])),
            Case(name: "image that does not exist", args: ["image", "\(dir)/nosuch.png", "-o", "\(dir)/o.png"] + classic,
                 outcome: .fails(["nosuch.png"])),
            Case(name: "a broken picture among good ones: the good ones are written", args: ["image", pics, "-o", "\(dir)/out"] + classic,
                 outcome: .fails(["broken.png"]),
                 check: { XCTAssertTrue(FileManager.default.fileExists(atPath: "\(self.dir)/out/good.png"), $0) }),
        ])
    }

    // MARK: - Signals

    func testHangupFinalisesLikeTerminate() throws {
        let long = "\(dir)/long.mkv"
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=20", "-c:v", "libx264", "-preset", "ultrafast", long])
        let out = "\(dir)/out.mkv"
        let r = try shell("'\(sckdBinary())' enhance '\(long)' -o '\(out)' --model classic --quiet & p=$!; sleep 1.5; kill -HUP $p; wait $p", timeout: 60)
        XCTAssertEqual(r.status, 130, r.stderr)
        XCTAssertFalse(r.stderr.contains("error"), r.stderr)
        let frames = Int(stream(try ffprobe(out, ["-count_frames"]), "video")?["nb_read_frames"] as? String ?? "0") ?? 0
        XCTAssertGreaterThan(frames, 0, "what was enhanced before the hangup plays")
        XCTAssertLessThan(frames, 500)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains("sckd-partial") }, [])
    }
}
