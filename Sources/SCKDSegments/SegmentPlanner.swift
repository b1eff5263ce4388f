import Foundation
import SCKDMedia

/// Cuts a video into segments at keyframes, so that each segment decodes on its own and the
/// segments together hold every frame exactly once.
public enum SegmentPlanner {
    /// The boundaries for `count` segments of about equal duration: each at the keyframe nearest
    /// its ideal time. Fewer come back when the video has too few keyframes (a keyframe can start
    /// only one segment).
    ///
    /// - Parameters:
    ///   - frames: every shown frame's timestamp, sorted.
    ///   - keyframes: the timestamps of the frames decoding can start at, sorted.
    /// - Returns: the start of each segment, the first being the first frame's.
    public static func boundaries(frames: [Int64], keyframes: [Int64], count: Int) -> [Int64] {
        guard let first = frames.first else { return [] }
        let span = Double(duration(of: frames))
        var starts = [first]
        for i in 1..<max(1, count) {
            let ideal = Double(first) + span * Double(i) / Double(count)
            // Binary searches: hours of footage have hundreds of thousands of keyframes.
            let lowest = firstIndex(in: keyframes, notBelow: starts.last! + 1)
            guard lowest < keyframes.count else { break }
            let above = max(lowest, firstIndex(in: keyframes, notBelow: Int64(ideal.rounded(.up))))
            var nearest = keyframes[min(above, keyframes.count - 1)]
            if above > lowest, above == keyframes.count
                || abs(Double(keyframes[above - 1]) - ideal) <= abs(Double(nearest) - ideal) {
                nearest = keyframes[above - 1]  // ties go to the earlier keyframe
            }
            // Never so far ahead that a later boundary would have been nearer its own ideal time.
            if Double(nearest) - ideal > span / Double(count) / 2, keyframes.count - lowest > 1 { continue }
            starts.append(nearest)
        }
        return starts
    }

    /// From the first frame's start to the last frame's end, in time-base units (sorted `frames`;
    /// the last frame lasts as long as the average one).
    public static func duration(of frames: [Int64]) -> Int64 {
        guard let first = frames.first, let last = frames.last else { return 0 }
        return last - first + (frames.count > 1 ? (last - first) / Int64(frames.count - 1) : 1)
    }

    /// The manifest for `index` (the source's video packets) in `count` segments, parts named
    /// `part-0000.mkv`… in `partsFolder`; paths stored relative to `manifestFolder` when under it.
    public static func plan(source: String, bytes: Int64, index: VideoPacketIndex, count: Int, warmUpSeconds: Double,
                            manifestFolder: URL, partsFolder: URL) throws -> SegmentManifest {
        guard index.packetsWithoutTimestamp == 0 else {
            throw SegmentError.cannotSplit(path: source, reason: "\(index.packetsWithoutTimestamp) of its video packets carry no timestamp")
        }
        let frames = index.entries.map(\.pts).sorted()
        guard !frames.isEmpty else { throw SegmentError.cannotSplit(path: source, reason: "its video stream has no frames") }
        let keyframes = index.entries.filter(\.isKeyframe).map(\.pts).sorted()
        var starts = boundaries(frames: frames, keyframes: keyframes, count: count)
        if starts.isEmpty { starts = [frames[0]] }
        let tb = index.timeBase.seconds
        let warmUpTicks = Int64((warmUpSeconds / tb).rounded())
        let videoEnd = frames[0] + duration(of: frames)
        var segments: [SegmentManifest.Segment] = []
        for (k, start) in starts.enumerated() {
            let end: Int64? = k + 1 < starts.count ? starts[k + 1] : nil
            let lower = firstIndex(in: frames, notBelow: start)
            let upper = end.map { firstIndex(in: frames, notBelow: $0) } ?? frames.count
            // The smoother starts on a real frame, at most `warmUpSeconds` before the segment.
            let warmUpFrom = k == 0 ? start : frames[firstIndex(in: frames, notBelow: max(frames[0], start - warmUpTicks))]
            let part = partsFolder.appendingPathComponent(String(format: "part-%04d.mkv", k)).path
            segments.append(SegmentManifest.Segment(
                index: k, start: start, end: end, warmUpFrom: warmUpFrom, frames: upper - lower,
                startSeconds: Double(start - frames[0]) * tb,
                endSeconds: Double((end ?? videoEnd) - frames[0]) * tb,
                part: SegmentManifest.stored(part, folder: manifestFolder)))
        }
        let seconds = Double(videoEnd - frames[0]) * tb
        var m = SegmentManifest(
            id: UUID().uuidString.lowercased(),
            source: .init(path: SegmentManifest.stored(source, folder: manifestFolder), bytes: bytes,
                          timeBaseNumerator: index.timeBase.num, timeBaseDenominator: index.timeBase.den,
                          frames: frames.count, seconds: seconds),
            warmUpSeconds: warmUpSeconds, segments: segments)
        m.folder = manifestFolder
        return m
    }

    /// The first position in sorted `values` whose value is at least `x`.
    static func firstIndex(in values: [Int64], notBelow x: Int64) -> Int {
        var lo = 0, hi = values.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if values[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
