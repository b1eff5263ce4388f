import Foundation
import SCKDMedia

/// Concatenates a manifest's enhanced parts into one file without re-encoding, with the source's
/// audio and subtitles copied once, whole (parts carry video only, so no audio is cut at a join).
public struct SegmentJoiner {
    public let manifest: SegmentManifest
    public var copyAudio = true

    public init(manifest: SegmentManifest) { self.manifest = manifest }

    public struct Report {
        public let frames: Int
        public let parts: Int
        public let bytesWritten: Int64
        public let notes: [String]
    }

    /// Refuses, naming the first part that is missing or unusable, unless every part is there,
    /// made for this plan, and all with the same settings. (Frame counts are checked as the parts
    /// are copied: reading hours of parts twice would double the join's time.)
    public func checkParts() throws {
        let n = manifest.segments.count
        var firstSettings: String?
        for k in 0..<n {
            switch manifest.inspectPart(k, countingFrames: false) {
            case .missing:
                throw SegmentError.partIncomplete(index: k, count: n, path: manifest.partPath(k), reason: "is missing: enhance segment \(k) first")
            case let .unusable(reason):
                throw SegmentError.partIncomplete(index: k, count: n, path: manifest.partPath(k), reason: "\(reason): enhance segment \(k) again")
            case let .complete(settings):
                if let s = firstSettings, s != settings {
                    throw SegmentError.partsDiffer(index: k, reason: "was made with other settings than part 0 (\(settings) against \(s)): enhance it again with the same options")
                }
                firstSettings = settings
            }
        }
    }

    public func join(to output: OutputFile, container: String?) throws -> Report {
        try checkParts()
        // One part open at a time: a long video has more parts than a process may open files.
        let first = try PacketDemuxer(path: manifest.partPath(0))
        let video = first.streams[first.videoIndex!]
        let source = copyAudio ? try openSource() : nil
        let copied = source?.streams.filter(\.isCopiable) ?? []
        let writer = try StreamCopyWriter(output: output, container: container, streams: [video] + copied)
        do {
            let frames = try interleave(first: first, source: source, copied: copied, into: writer)
            try writer.finish()
            removeLeftoverTemporaries()
            return Report(frames: frames, parts: manifest.segments.count, bytesWritten: writer.bytesWritten, notes: writer.notes)
        } catch {
            writer.abort()
            throw error
        }
    }

    /// A task killed outright (a node lost, SIGKILL) leaves its part's temporary file behind;
    /// once every part is joined, none of them can still be in use.
    private func removeLeftoverTemporaries() {
        let folders = Set(manifest.segments.indices.map { URL(fileURLWithPath: manifest.partPath($0)).deletingLastPathComponent() })
        let stems = Set(manifest.segments.indices.map { URL(fileURLWithPath: manifest.partPath($0)).deletingPathExtension().lastPathComponent })
        for folder in folders {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] {
                guard let stem = name.split(separator: ".").first, name.hasPrefix("."), name.contains(".sckd-partial-"),
                      stems.contains(String(stem)) else { continue }
                try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
            }
        }
    }

    private func openSource() throws -> PacketDemuxer {
        let path = manifest.sourcePath
        guard FileManager.default.fileExists(atPath: path) else {
            throw SegmentError.sourceChanged(path: path, reason: "it is missing, and join copies its audio from it (or add --no-audio)")
        }
        try manifest.checkSource(path)
        return try PacketDemuxer(path: path)
    }

    /// Writes the parts' video, each part's timestamps put back on the source's timeline (a muxer
    /// may have shifted them), merged in time order with the source's copied streams.
    private func interleave(first: PacketDemuxer, source: PacketDemuxer?, copied: [StreamDescription],
                            into writer: StreamCopyWriter) throws -> Int {
        let outputOf = Dictionary(uniqueKeysWithValues: copied.enumerated().map { ($0.element.index, $0.offset + 1) })
        var lastDts: (Int64, TimeBase)?
        var pendingCopy: DemuxedPacket? = nil
        func nextCopied() -> DemuxedPacket? {
            guard let source else { return nil }
            while let p = source.nextPacket() { if outputOf[p.streamIndex] != nil { return p } }
            return nil
        }
        pendingCopy = nextCopied()
        var total = 0
        let n = manifest.segments.count
        let firstVideo = first.streams[first.videoIndex!]
        for k in 0..<n {
            let part = k == 0 ? first : try PacketDemuxer(path: manifest.partPath(k))
            let v = part.videoIndex!
            if k > 0, !part.streams[v].isCodedLike(firstVideo) {
                throw SegmentError.partsDiffer(index: k, reason: "is coded differently from part 0 (codec, size or encoder settings): enhance it again with the same options")
            }
            let base = part.streams[v].timeBase
            var packets = sequence(state: part) { $0.nextPacket() }.lazy.filter { $0.streamIndex == v }.makeIterator()
            // The offset that puts the part's first frame where its segment starts. The first
            // frame shown is among the first few decoded (encoders reorder only a few frames).
            var head: [DemuxedPacket] = []
            while head.count < 64, let p = packets.next() { head.append(p) }
            let firstPts = head.compactMap(\.pts).min() ?? 0
            let offset = manifest.timeBase.rescale(manifest.segments[k].start, to: base) - firstPts
            Self.inferLeadingDts(head)
            var ahead = head[...]
            var frames = 0
            while let p = ahead.popFirst() ?? packets.next() {
                p.shift(by: offset)
                // Decoding order must advance across the join: the parts come from one encoder
                // set-up, so their reordering delay is the same and this holds unless a part is odd.
                let dts = max(p.dts ?? Int64.min, lastDts.map { $0.1.rescale($0.0, to: base) + 1 } ?? Int64.min)
                guard let pts = p.pts, dts <= pts else {
                    throw SegmentError.partsDiffer(index: k, reason: "cannot follow part \(k - 1): its frames are reordered differently")
                }
                p.setDts(dts)
                lastDts = (dts, base)
                while let c = pendingCopy, let ct = c.dts ?? c.pts,
                      source!.streams[c.streamIndex].timeBase.isAtOrBefore(ct, dts, in: base) {
                    try writer.write(c, stream: outputOf[c.streamIndex]!)
                    pendingCopy = nextCopied()
                }
                try writer.write(p, stream: 0)
                frames += 1
            }
            if frames != manifest.segments[k].frames {
                throw SegmentError.partIncomplete(index: k, count: n, path: manifest.partPath(k),
                                                  reason: "has \(frames) of its \(manifest.segments[k].frames) frames: enhance segment \(k) again")
            }
            total += frames
        }
        while let c = pendingCopy {
            try writer.write(c, stream: outputOf[c.streamIndex]!)
            pendingCopy = nextCopied()
        }
        return total
    }

    /// Gives the first packets of a part that have no decoding timestamp (Matroska's reordered
    /// start) one frame apart before the first one known, as the encoder had them.
    static func inferLeadingDts(_ packets: [DemuxedPacket]) {
        guard let known = packets.firstIndex(where: { $0.dts != nil }), known > 0 else { return }
        let timed = packets.compactMap(\.pts).sorted()
        let step = packets[known].duration > 0 ? packets[known].duration
            : timed.count > 1 ? (timed.last! - timed.first!) / Int64(timed.count - 1) : 1
        let dts = packets[known].dts!
        for i in 0..<known { packets[i].setDts(dts - Int64(known - i) * step) }
    }
}
