import Foundation
import SCKDMedia

/// A job manifest: how one video is cut into segments that machines enhance independently, and
/// where each segment's enhanced part goes. Written by `sckd plan`, read by `sckd enhance --segment`
/// and `sckd join`. Paths inside are relative to the manifest's folder when they lie under it, so
/// the folder can be mounted at another path on the machines that read it.
public struct SegmentManifest: Codable, Equatable {
    public static let formatName = "sckd-segments"
    public static let currentVersion = 1

    public var format = SegmentManifest.formatName
    public var version = SegmentManifest.currentVersion
    /// Unique per plan: parts carry it, so parts of another plan (other boundaries) never mix in.
    public var id: String
    public var source: Source
    /// How long before its start each segment's temporal smoothing begins.
    public var warmUpSeconds: Double
    public var segments: [Segment]

    public struct Source: Codable, Equatable {
        public var path: String
        /// Size in bytes when planned: a changed file no longer matches the plan.
        public var bytes: Int64
        /// The video stream's time base, in which every timestamp here is counted.
        public var timeBaseNumerator: Int32
        public var timeBaseDenominator: Int32
        public var frames: Int
        public var seconds: Double
    }

    /// The frames whose presentation timestamps lie in [start, end) (end nil: to the end).
    public struct Segment: Codable, Equatable {
        public var index: Int
        public var start: Int64
        public var end: Int64?
        /// The first frame that goes through the smoother (decoding starts at the keyframe before).
        public var warmUpFrom: Int64
        public var frames: Int
        public var startSeconds: Double
        public var endSeconds: Double
        public var part: String
    }

    public var timeBase: TimeBase { TimeBase(num: source.timeBaseNumerator, den: source.timeBaseDenominator) }

    /// The folder relative paths are resolved against (set when read or written).
    public var folder = URL(fileURLWithPath: ".")

    enum CodingKeys: String, CodingKey { case format, version, id, source, warmUpSeconds, segments }

    // MARK: - Paths

    public var sourcePath: String { resolve(source.path) }
    public func partPath(_ k: Int) -> String { resolve(segments[k].part) }

    func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : folder.appendingPathComponent(path).standardized.path
    }

    /// `path` as the manifest stores it: relative to `folder` when under it, else absolute.
    static func stored(_ path: String, folder: URL) -> String {
        let absolute = URL(fileURLWithPath: path).standardized.path
        let base = folder.standardized.path
        let prefix = base.hasSuffix("/") ? base : base + "/"
        return absolute.hasPrefix(prefix) ? String(absolute.dropFirst(prefix.count)) : absolute
    }

    // MARK: - Reading and writing

    public static func read(_ path: String) throws -> SegmentManifest {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SegmentError.cannotReadManifest(path: path, reason: FileManager.default.fileExists(atPath: path) ? "unreadable" : "no such file")
        }
        var m: SegmentManifest
        do {
            m = try JSONDecoder().decode(SegmentManifest.self, from: data)
        } catch {
            throw SegmentError.cannotReadManifest(path: path, reason: "not an sckd manifest (\(Self.explain(error)))")
        }
        guard m.format == formatName else { throw SegmentError.cannotReadManifest(path: path, reason: "not an sckd manifest") }
        guard m.version == currentVersion else {
            throw SegmentError.cannotReadManifest(path: path, reason: "version \(m.version); this sckd reads version \(currentVersion)")
        }
        guard !m.segments.isEmpty, m.segments.enumerated().allSatisfy({ $0.offset == $0.element.index && $0.element.frames > 0 }),
              m.source.timeBaseNumerator > 0, m.source.timeBaseDenominator > 0 else {
            throw SegmentError.cannotReadManifest(path: path, reason: "its segments are damaged")
        }
        m.folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        return m
    }

    public func encoded() -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try! e.encode(self) + Data("\n".utf8)
    }

    static func explain(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "no '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "'\(c.codingPath.map(\.stringValue).joined(separator: "."))' is not what it should be"
        case DecodingError.dataCorrupted: return "not JSON"
        default: return "\(error)"
        }
    }
}

/// Global tags every part carries, so that a part is only ever taken for the segment, plan and
/// settings it was made for.
public enum PartTag {
    public static let manifest = "sckd_manifest"
    public static let segment = "sckd_segment"
    /// What shapes the pictures (model, smoothing, encoder settings): parts made with other
    /// settings are enhanced again, and `join` refuses to mix them.
    public static let settings = "sckd_settings"
}

public enum SegmentError: Error, CustomStringConvertible, Equatable {
    case cannotReadManifest(path: String, reason: String)
    case cannotSplit(path: String, reason: String)
    case noSuchSegment(Int, count: Int)
    case sourceChanged(path: String, reason: String)
    case partPathMismatch(given: String, expected: String)
    case partIncomplete(index: Int, count: Int, path: String, reason: String)
    case segmentFramesMismatch(index: Int, wrote: Int, expected: Int)
    case partsDiffer(index: Int, reason: String)

    public var description: String {
        switch self {
        case let .cannotReadManifest(p, r): return "cannot read the manifest '\(p)': \(r)"
        case let .cannotSplit(p, r): return "cannot split '\(p)': \(r)"
        case let .noSuchSegment(k, n): return "segment \(k) does not exist: the manifest has segments 0 to \(n - 1)"
        case let .sourceChanged(p, r): return "'\(p)' is not the video the manifest was planned for: \(r)"
        case let .partPathMismatch(g, e): return "the manifest puts this segment's part at '\(e)', not '\(g)' (leave out -o)"
        case let .partIncomplete(k, n, p, r): return "part \(k) of \(n) ('\(p)') \(r)"
        case let .segmentFramesMismatch(k, w, e): return "segment \(k): \(w) of its \(e) frames were written (undecodable frames in the source?): enhance this video in one run"
        case let .partsDiffer(k, r): return "part \(k) \(r)"
        }
    }
}
