import Foundation
import SCKDMedia

/// What is on disk for one segment.
public enum PartState: Equatable {
    case missing
    /// Made for this plan and segment, every frame present; with the settings it was made with.
    case complete(settings: String)
    /// Something is there that cannot be used as it is; `reason` completes "part K of N ('path') …".
    case unusable(reason: String)
}

extension SegmentManifest {
    /// Checks segment `k`'s part without decoding it: its tags say it was made for this plan and
    /// segment, and (with `countingFrames`, which reads the whole part) it holds the segment's
    /// frame count. (A segment run that fails or is stopped leaves no part, so a part that exists
    /// was a finished run; the count catches a part cut short by other hands.)
    public func inspectPart(_ k: Int, countingFrames: Bool = true) -> PartState {
        let path = partPath(k)
        guard FileManager.default.fileExists(atPath: path) else { return .missing }
        let demuxer: PacketDemuxer
        do {
            demuxer = try PacketDemuxer(path: path)
        } catch {
            return .unusable(reason: "cannot be read: \(error)")
        }
        let tags = demuxer.metadata
        guard tags[PartTag.manifest] == id, tags[PartTag.segment] == String(k) else {
            return .unusable(reason: "was not made for this plan's segment \(k)")
        }
        guard demuxer.videoIndex != nil else { return .unusable(reason: "has no video") }
        guard countingFrames else { return .complete(settings: tags[PartTag.settings] ?? "") }
        guard let index = try? VideoPacketIndex(reading: demuxer) else { return .unusable(reason: "has no video") }
        let n = index.entries.count + index.packetsWithoutTimestamp
        guard n == segments[k].frames else {
            return .unusable(reason: "has \(n) of its \(segments[k].frames) frames")
        }
        return .complete(settings: tags[PartTag.settings] ?? "")
    }

    /// Checks that `path` is still the video this plan was made for (the same size).
    public func checkSource(_ path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else { return }  // a stream or URL: opening it will tell
        if Int64(st.st_size) != source.bytes {
            throw SegmentError.sourceChanged(path: path, reason: "it has \(st.st_size) bytes, the planned video \(source.bytes)")
        }
    }
}
