import Foundation
import SCKDCore
import SCKDTestSupport
import XCTest

@testable import SCKDMedia

/// The media path with the enhancer bypassed: decode -> float RGB -> encode must preserve
/// pictures, frame count, timestamps, audio, rotation and odd sizes.
final class RoundTripTests: XCTestCase {
    var dir = ""

    override func setUp() { dir = temporaryDirectory("sckd-media") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// Reads `input`, writes every picture unchanged (and copied packets) to `output`.
    @discardableResult
    func transcode(_ input: String, _ output: String, codec: String = "ffv1", container: String? = nil,
                   copyAudio: Bool = true) throws -> (frames: Int, writer: VideoWriter) {
        let reader = try VideoReader(path: input, copyAudio: copyAudio)
        let out = try OutputFile(path: output, overwrite: true, inputPath: input)
        let writer = try VideoWriter(output: out, settings: EncoderSettings(codec: codec, container: container),
                                     video: reader.video, copiedStreams: reader.copiedStreams)
        let toRGB = PictureToRGB(width: reader.video.width, height: reader.video.height)
        var frames = 0
        while let event = try reader.next() {
            switch event {
            case let .picture(p):
                try writer.write(toRGB.convert(p), pts: p.pts)
                frames += 1
            case let .packet(p):
                try writer.write(p)
            }
        }
        try writer.finish()
        return (frames, writer)
    }

    func testFFV1RoundTripKeepsPicturesFramesAndTimestamps() throws {
        let src = "\(dir)/src.mkv", out = "\(dir)/out.mkv"
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2", "-c:v", "libx264", "-crf", "10",
                    "-pix_fmt", "yuv420p", src])
        let (frames, _) = try transcode(src, out)
        XCTAssertEqual(frames, 50)
        let a = try decodeRGB(src, width: 320, height: 240), b = try decodeRGB(out, width: 320, height: 240)
        XCTAssertEqual(a.count, 50)
        XCTAssertEqual(b.count, a.count)
        for (i, (fa, fb)) in zip(a, b).enumerated() {
            XCTAssertGreaterThanOrEqual(psnr(fa, fb), 45, "frame \(i)")
        }
        let ta = try videoPacketTimes(src), tb = try videoPacketTimes(out)
        XCTAssertEqual(ta.count, tb.count)
        for (x, y) in zip(ta, tb) { XCTAssertEqual(x, y, accuracy: 0.002) }
        let v = stream(try ffprobe(out), "video")!
        XCTAssertEqual(v["codec_name"] as? String, "ffv1")
        XCTAssertEqual(v["pix_fmt"] as? String, "yuv420p", "the source pixel format is kept when the encoder takes it")
    }

    func testAudioIsCopiedBitExact() throws {
        let src = "\(dir)/src.mp4", out = "\(dir)/out.mp4"
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=2", "-f", "lavfi", "-i",
                    "sine=frequency=300:duration=2", "-c:v", "libx264", "-c:a", "aac", "-shortest", src])
        try transcode(src, out, codec: "libx264")
        let hashes = { (p: String) -> [String] in
            let j = try ffprobe(p, ["-select_streams", "a:0", "-show_packets", "-show_data_hash", "MD5"])
            return (j["packets"] as! [[String: Any]]).map { $0["data_hash"] as! String }
        }
        let ha = try hashes(src), hb = try hashes(out)
        XCTAssertGreaterThan(ha.count, 50)
        XCTAssertEqual(ha, hb)
        // The video stream comes first.
        let streams = try ffprobe(out)["streams"] as! [[String: Any]]
        XCTAssertEqual(streams.first?["codec_type"] as? String, "video")
    }

    func testNoAudioDropsAudio() throws {
        let src = "\(dir)/src.mp4", out = "\(dir)/out.mp4"
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=1", "-f", "lavfi", "-i",
                    "sine=duration=1", "-c:v", "libx264", "-c:a", "aac", "-shortest", src])
        try transcode(src, out, codec: "libx264", copyAudio: false)
        XCTAssertNil(stream(try ffprobe(out), "audio"))
    }

    func testOddSizeIsPaddedForSubsampledFormats() throws {
        let src = "\(dir)/odd.mkv", out = "\(dir)/odd-out.mp4", lossless = "\(dir)/odd-out.mkv"
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=856x480:rate=10:duration=1", "-vf", "scale=853:479:flags=bilinear",
                    "-c:v", "ffv1", "-pix_fmt", "yuv420p", src])
        let (frames, writer) = try transcode(src, out, codec: "libx264")
        XCTAssertEqual(frames, 10)
        XCTAssertEqual(writer.encodedWidth, 854)
        XCTAssertEqual(writer.encodedHeight, 480)
        let v = stream(try ffprobe(out), "video")!
        XCTAssertEqual(v["width"] as? Int, 854)
        XCTAssertEqual(v["height"] as? Int, 480)
        // FFV1 takes odd-sized 4:2:0 as it is: the exact size is kept.
        try transcode(src, lossless, codec: "ffv1")
        let l = stream(try ffprobe(lossless), "video")!
        XCTAssertEqual(l["width"] as? Int, 853)
        XCTAssertEqual(l["height"] as? Int, 479)
        let a = try decodeRGB(src, width: 853, height: 479), b = try decodeRGB(lossless, width: 853, height: 479)
        XCTAssertEqual(a.count, b.count)
        XCTAssertGreaterThanOrEqual(psnr(a[3], b[3]), 45)
    }

    func testVariableFrameRateKeepsTimestamps() throws {
        // Frames at irregular times: drop every third frame of a 30 fps source, keeping timestamps.
        let src = "\(dir)/vfr.mkv", out = "\(dir)/vfr-out.mp4"
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30:duration=2",
                    "-vf", "select='not(eq(mod(n\\,3)\\,2))'", "-fps_mode", "vfr", "-c:v", "libx264", src])
        let ta = try videoPacketTimes(src)
        try transcode(src, out, codec: "libx264")
        let tb = try videoPacketTimes(out)
        XCTAssertEqual(ta.count, 40)
        XCTAssertEqual(tb.count, ta.count)
        for (x, y) in zip(ta, tb) { XCTAssertEqual(x - ta[0], y - tb[0], accuracy: 0.002) }
        let gaps = Set(zip(tb, tb.dropFirst()).map { (($1 - $0) * 1000).rounded() })
        XCTAssertTrue(gaps.contains(33) && gaps.contains(67), "irregular gaps survive: \(gaps)")
    }

    func testRotationIsKept() throws {
        let plain = "\(dir)/plain.mp4", src = "\(dir)/rot.mp4", out = "\(dir)/rot-out.mp4"
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=1", "-c:v", "libx264", plain])
        try ffmpeg(["-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90", src])  // a phone's display matrix
        let reader = try VideoReader(path: src)
        XCTAssertEqual(abs(reader.video.rotation), 90, accuracy: 0.01)
        try transcode(src, out, codec: "libx264")
        let after = try VideoReader(path: out)
        XCTAssertEqual(after.video.rotation, reader.video.rotation, accuracy: 0.01)
    }

    func testCorruptFrameIsSkippedAndCounted() throws {
        // Intra-only MJPEG in AVI: damage the middle of one frame's entropy-coded data.
        let src = "\(dir)/good.avi", bad = "\(dir)/bad.avi", out = "\(dir)/bad-out.mkv"
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2", "-c:v", "mjpeg", "-q:v", "3", src])
        var bytes = try Data(contentsOf: URL(fileURLWithPath: src))
        let markers = bytes.indices.dropLast().filter { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xD8 }  // SOI
        XCTAssertGreaterThan(markers.count, 40)
        let start = markers[25], end = markers[26]
        for i in stride(from: start + 2, to: start + (end - start) * 3 / 4, by: 1) { bytes[i] = 0xFF }
        try bytes.write(to: URL(fileURLWithPath: bad))
        let reader = try VideoReader(path: bad)
        let out2 = try OutputFile(path: out, overwrite: true, inputPath: bad)
        let writer = try VideoWriter(output: out2, settings: EncoderSettings(codec: "ffv1"), video: reader.video,
                                     copiedStreams: [])
        let toRGB = PictureToRGB(width: 320, height: 240)
        var frames = 0
        while let e = try reader.next() {
            if case let .picture(p) = e { try writer.write(toRGB.convert(p), pts: p.pts); frames += 1 }
        }
        try writer.finish()
        XCTAssertGreaterThanOrEqual(reader.corruptFrames, 1)
        XCTAssertEqual(frames + reader.corruptFrames, 50)
    }

    func testPictureConversionHonoursFullRange() throws {
        // The same grey encoded as limited-range and full-range YUV decodes to the same RGB.
        let lim = "\(dir)/lim.mkv", full = "\(dir)/full.mkv"
        // Y = 126 (limited) and Y = 128 (full) both mean RGB 128.
        try ffmpeg(["-f", "lavfi", "-i", "color=c=0x808080:size=64x64:duration=0.2", "-vf",
                    "scale=out_range=tv,format=yuv420p", "-color_range", "tv", "-c:v", "ffv1", lim])
        try ffmpeg(["-f", "lavfi", "-i", "color=c=0x808080:size=64x64:duration=0.2", "-vf",
                    "scale=out_range=pc,format=yuv420p", "-color_range", "pc", "-c:v", "ffv1", full])
        for path in [lim, full] {
            let r = try VideoReader(path: path)
            guard case let .picture(p)? = try r.next() else { return XCTFail("no picture in \(path)") }
            let img = PictureToRGB(width: 64, height: 64).convert(p)
            XCTAssertEqual(img.mean(), 128.0 / 255.0, accuracy: 1.5 / 255, path)
        }
    }
}
