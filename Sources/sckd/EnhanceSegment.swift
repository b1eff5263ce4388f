import ArgumentParser
import Foundation
import SCKDCore
import SCKDMedia
import SCKDPipeline
import SCKDSegments

extension Enhance {
    /// `--segment K --manifest M`: one segment into its part, skipped when a complete part made
    /// with the same settings is already there. All or nothing: a stopped or failed run leaves no
    /// part, so a part that exists is a finished one.
    func enhanceSegment(_ k: Int, of manifestPath: String, console: Console) throws {
        let manifest = try SegmentManifest.read(manifestPath)
        guard k < manifest.segments.count else { throw SegmentError.noSuchSegment(k, count: manifest.segments.count) }
        let input = self.input ?? manifest.sourcePath
        try manifest.checkSource(input)
        let segment = manifest.segments[k]
        let partPath = manifest.partPath(k)
        if let output, URL(fileURLWithPath: output).standardized.path != partPath {
            throw SegmentError.partPathMismatch(given: output, expected: partPath)
        }
        let n = manifest.segments.count
        let existing = manifest.inspectPart(k)
        let settings = pictureSettings()
        switch existing {
        case let .complete(made) where made == settings:
            console.info("segment \(k) of \(n): '\(partPath)' is complete: skipped")
            return
        case .complete:
            console.info("segment \(k) of \(n): '\(partPath)' was made with other settings: enhancing it again")
        case let .unusable(reason):
            console.info("segment \(k) of \(n): '\(partPath)' \(reason): enhancing it again")
        case .missing:
            break
        }
        try OutputFile.makeFolder(URL(fileURLWithPath: partPath).deletingLastPathComponent().path, inputFolders: [])
        let destination = try OutputFile(path: partPath, overwrite: true, inputPath: input)
        // Parts carry video only: join copies the audio once, whole, from the source.
        let reader = try VideoReader(path: input, copyAudio: false, copySubtitles: false)
        if segment.warmUpFrom > manifest.segments[0].start {
            try reader.seekVideo(toKeyframeAtOrBefore: segment.warmUpFrom)
        }
        console.info(String(format: "segment %d of %d: %.3f to %.3f s, %d frames (smoothing from %.3f s)", k, n,
                            segment.startSeconds, segment.endSeconds, segment.frames,
                            segment.startSeconds - Double(segment.start - segment.warmUpFrom) * manifest.timeBase.seconds))
        let tags = [PartTag.manifest: manifest.id, PartTag.segment: String(k), PartTag.settings: settings]
        let report = try enhance(reader, into: destination, container: "matroska", metadata: tags,
                                 window: FrameWindow(warmUpFrom: segment.warmUpFrom, start: segment.start, end: segment.end),
                                 expectedFrames: segment.frames, console: console)
        guard report.frames == segment.frames else {
            unlink(partPath)  // a part that is not whole must not be taken for one
            throw SegmentError.segmentFramesMismatch(index: k, wrote: report.frames, expected: segment.frames)
        }
    }

    /// The options that shape a part's pictures and coding, as parts record them: parts made with
    /// different ones are not joined.
    func pictureSettings() -> String {
        let m = modelOptions
        var s = "model=\(m.model.rawValue) precision=\(m.precision.rawValue) exposure=\(m.exposure) strength=\(m.strength)"
        if let w = m.weights { s += " weights=\(URL(fileURLWithPath: w).standardized.path)" }
        s += " smoothing=\(temporalSmoothing) compare=\(compare.rawValue) codec=\(codec ?? "default") crf=\(crf.map(String.init) ?? "default") preset=\(preset)"
        return s
    }
}
