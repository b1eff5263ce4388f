import Foundation
import SCKDMedia
@testable import SCKDSegments
import XCTest

/// Where segments start, and what each holds: every frame exactly once, boundaries at keyframes.
final class SegmentPlannerTests: XCTestCase {
    /// `n` frames 1 tick apart (decode order = presentation order), a keyframe every `gop`.
    func index(frames n: Int, gop: Int, firstPts: Int64 = 0) -> VideoPacketIndex {
        VideoPacketIndex(entries: (0..<n).map { .init(pts: firstPts + Int64($0), isKeyframe: $0 % gop == 0) },
                         timeBase: TimeBase(num: 1, den: 25), packetsWithoutTimestamp: 0)
    }

    func plan(_ i: VideoPacketIndex, _ count: Int, warmUp: Double = 2) throws -> SegmentManifest {
        try SegmentPlanner.plan(source: "/data/in.mp4", bytes: 1000, index: i, count: count, warmUpSeconds: warmUp,
                                manifestFolder: URL(fileURLWithPath: "/data"), partsFolder: URL(fileURLWithPath: "/data/in.parts"))
    }

    func testSegmentsCoverEveryFrameOnceAndStartAtKeyframes() throws {
        let m = try plan(index(frames: 250, gop: 25), 4)
        XCTAssertEqual(m.segments.map(\.start), [0, 50, 125, 175], "keyframes nearest 62.5, 125, 187.5 (ties go to the earlier)")
        XCTAssertEqual(m.segments.map(\.frames).reduce(0, +), 250)
        XCTAssertEqual(m.segments.map(\.frames), [50, 75, 50, 75])
        XCTAssertEqual(m.segments.map(\.end), [50, 125, 175, nil])
        XCTAssertEqual(m.segments.map(\.warmUpFrom), [0, 0, 75, 125], "two seconds (50 frames) before, never before the first frame")
        XCTAssertEqual(m.segments[3].startSeconds, 7, accuracy: 1e-9)
        XCTAssertEqual(m.segments[3].endSeconds, 10, accuracy: 1e-9)
        XCTAssertEqual(m.source.frames, 250)
        XCTAssertEqual(m.source.seconds, 10, accuracy: 1e-9)
        XCTAssertEqual(m.segments.map(\.part), ["in.parts/part-0000.mkv", "in.parts/part-0001.mkv", "in.parts/part-0002.mkv", "in.parts/part-0003.mkv"])
        XCTAssertEqual(m.source.path, "in.mp4", "stored relative to the manifest's folder")
    }

    func testFewerSegmentsWhenKeyframesAreScarce() throws {
        XCTAssertEqual(try plan(index(frames: 100, gop: 1000), 8).segments.count, 1, "one keyframe: one segment")
        let m = try plan(index(frames: 100, gop: 50), 8)
        XCTAssertEqual(m.segments.map(\.start), [0, 50])
        XCTAssertEqual(m.segments.map(\.frames), [50, 50])
    }

    func testReorderedFramesAndOffsetTimestamps() throws {
        // B-frames: decode order I P B B P B B P B, groups of 9, timestamps starting at 1000.
        var entries: [VideoPacketIndex.Entry] = []
        for g in 0..<10 {
            let base = Int64(1000 + g * 9)
            for (j, offset) in [0, 3, 1, 2, 6, 4, 5, 8, 7].enumerated() {
                entries.append(.init(pts: base + Int64(offset), isKeyframe: j == 0))
            }
        }
        let m = try plan(VideoPacketIndex(entries: entries, timeBase: TimeBase(num: 1, den: 25), packetsWithoutTimestamp: 0), 3)
        XCTAssertEqual(m.segments.map(\.start), [1000, 1027, 1063])
        XCTAssertEqual(m.segments.map(\.frames).reduce(0, +), 90)
        XCTAssertEqual(m.segments[0].startSeconds, 0)
    }

    func testRefusesStreamsWithoutTimestampsAndEmptyOnes() {
        let untimed = VideoPacketIndex(entries: [], timeBase: TimeBase(num: 1, den: 25), packetsWithoutTimestamp: 10)
        XCTAssertThrowsError(try plan(untimed, 2)) { XCTAssertTrue("\($0)".contains("carry no timestamp"), "\($0)") }
        let empty = VideoPacketIndex(entries: [], timeBase: TimeBase(num: 1, den: 25), packetsWithoutTimestamp: 0)
        XCTAssertThrowsError(try plan(empty, 2)) { XCTAssertTrue("\($0)".contains("no frames"), "\($0)") }
    }

    func testManifestRoundTripsAndRefusesDamage() throws {
        let dir = NSTemporaryDirectory() + "sckd-manifest-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var m = try SegmentPlanner.plan(source: "\(dir)/in.mp4", bytes: 1, index: index(frames: 250, gop: 25), count: 4,
                                        warmUpSeconds: 2, manifestFolder: URL(fileURLWithPath: dir),
                                        partsFolder: URL(fileURLWithPath: "\(dir)/parts"))
        try m.encoded().write(to: URL(fileURLWithPath: "\(dir)/m.json"))
        let back = try SegmentManifest.read("\(dir)/m.json")
        m.folder = back.folder
        XCTAssertEqual(back, m)
        XCTAssertEqual(back.partPath(2), URL(fileURLWithPath: "\(dir)/parts/part-0002.mkv").standardized.path)
        XCTAssertEqual(back.sourcePath, URL(fileURLWithPath: "\(dir)/in.mp4").standardized.path)

        for (text, says) in [("{", "not JSON"), ("{\"format\": \"other\"}", "not an sckd manifest"),
                             (String(decoding: m.encoded(), as: UTF8.self).replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 9"), "version 9")] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(dir)/bad.json"))
            XCTAssertThrowsError(try SegmentManifest.read("\(dir)/bad.json")) { XCTAssertTrue("\($0)".contains(says), "\($0)") }
        }
        XCTAssertThrowsError(try SegmentManifest.read("\(dir)/none.json")) { XCTAssertTrue("\($0)".contains("no such file"), "\($0)") }
    }
}
