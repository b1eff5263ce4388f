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

    /// Refuses, naming the first part that is missing or unusable, unless every part is complete
    /// and all were made with the same settings.
    public func checkParts() throws {
        let n = manifest.segments.count
        var firstSettings: String?
        for k in 0..<n {
            switch manifest.inspectPart(k) {
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
        let parts = try manifest.segments.indices.map { try PacketDemuxer(path: manifest.partPath($0)) }
        let video = parts[0].streams[parts[0].videoIndex!]
        for (k, p) in parts.enumerated().dropFirst() {
            let v = p.streams[p.videoIndex!]
            if !v.isCodedLike(video) {
                throw SegmentError.partsDiffer(index: k, reason: "is coded differently from part 0 (codec, size or encoder settings): enhance it again with the same options")
            }
        }
        let source = copyAudio ? try openSource() : nil
        let copied = source?.streams.filter(\.isCopiable) ?? []
        let writer = try StreamCopyWriter(output: output, container: container, streams: [video] + copied)
        do {
            let frames = try interleave(parts: parts, source: source, copied: copied, into: writer)
            try writer.finish()
            removeLeftoverTemporaries()
            return Report(frames: frames, parts: parts.count, bytesWritten: writer.bytesWritten, notes: writer.notes)
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
    private func interleave(parts: [PacketDemuxer], source: PacketDemuxer?, copied: [StreamDescription],
                            into writer: StreamCopyWriter) throws -> Int {
        let sourceBase = manifest.timeBase
        let outputOf = Dictionary(uniqueKeysWithValues: copied.enumerated().map { ($0.element.index, $0.offset + 1) })
        var frames = 0
        var lastDts: (Int64, TimeBase)?
        var pendingCopy: DemuxedPacket? = nil
        func nextCopied() -> DemuxedPacket? {
            guard let source else { return nil }
            while let p = source.nextPacket() { if outputOf[p.streamIndex] != nil { return p } }
            return nil
        }
        pendingCopy = nextCopied()
        for (k, part) in parts.enumerated() {
            let v = part.videoIndex!
            let base = part.streams[v].timeBase
            var packets = sequence(state: part) { $0.nextPacket() }.lazy.filter { $0.streamIndex == v }.makeIterator()
            // The offset that puts the part's first frame where its segment starts. The first
            // frame shown is among the first few decoded (encoders reorder only a few frames).
            var head: [DemuxedPacket] = []
            while head.count < 64, let p = packets.next() { head.append(p) }
            let firstPts = head.compactMap(\.pts).min() ?? 0
            let offset = sourceBase.rescale(manifest.segments[k].start, to: base) - firstPts
            Self.inferLeadingDts(head)
            var ahead = head[...]
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
                let t = dts
                while let c = pendingCopy, let ct = c.dts ?? c.pts,
                      source!.streams[c.streamIndex].timeBase.isAtOrBefore(ct, t, in: base) {
                    try writer.write(c, stream: outputOf[c.streamIndex]!)
                    pendingCopy = nextCopied()
                }
                try writer.write(p, stream: 0)
                frames += 1
            }
        }
        while let c = pendingCopy {
            try writer.write(c, stream: outputOf[c.streamIndex]!)
            pendingCopy = nextCopied()
        }
        return frames
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
