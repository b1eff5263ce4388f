import ArgumentParser
import Foundation
import SCKDMedia
import SCKDSegments

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Cut a long video into segments that machines enhance in parallel: writes a job manifest.",
        discussion: """
        Segments start at keyframes, so each decodes on its own; each segment's temporal smoothing \
        starts --warm-up seconds early, so that the parts join without a seam. Prints the number of \
        segments on stdout (for job arrays). Then, on any machines that see the same files:
          sckd enhance IN --manifest M --segment K      (for K = 0 … count - 1, in any order)
          sckd join M -o OUT                             (stream copy, audio from IN)
        """
    )

    @Argument(help: "The video to split (a file).")
    var input: String

    @Option(parsing: .unconditional, help: "How many segments (fewer when the video has too few keyframes).")
    var segments: Int?

    @Option(name: .customLong("segment-seconds"), parsing: .unconditional, help: "Or: about how long each segment is, in seconds.")
    var segmentSeconds: Double?

    @Option(name: .shortAndLong, help: "The manifest to write (default: <input name>.manifest.json here).")
    var output: String?

    @Option(help: "Folder for the enhanced parts (default: <manifest name>.parts beside the manifest).")
    var parts: String?

    @Option(name: .customLong("warm-up"), parsing: .unconditional, help: "Seconds of smoothing before each segment's first frame.")
    var warmUp: Double = 2

    @Flag(name: [.customShort("y"), .customLong("overwrite")], help: "Overwrite an existing manifest.")
    var overwrite = false

    @Flag(help: "Print nothing but errors (and the count on stdout).")
    var quiet = false

    func validate() throws {
        if (segments == nil) == (segmentSeconds == nil) { throw ValidationError("give one of --segments or --segment-seconds") }
        if let segments, !(1...100_000).contains(segments) { throw ValidationError("--segments must be between 1 and 100000") }
        if let s = segmentSeconds, !(s >= 1 && s.isFinite) { throw ValidationError("--segment-seconds must be at least 1") }
        guard warmUp >= 0 && warmUp <= 600 else { throw ValidationError("--warm-up must be between 0 and 600 seconds") }
        if input == "-" { throw ValidationError("a plan needs a file: machines must each read their segment from it") }
        if output == "-" { throw ValidationError("the manifest is a file the machines read: give it a name") }
    }

    func run() throws {
        let console = Console(quiet: quiet, forceProgress: false)
        let count = try reportingFailures(console) { () throws -> Int in
            let stem = URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent
            let manifestPath = output ?? "\(stem).manifest.json"
            let destination = try OutputFile(path: manifestPath, overwrite: overwrite, inputPath: input)
            let manifestURL = URL(fileURLWithPath: manifestPath).standardized
            let manifestFolder = manifestURL.deletingLastPathComponent()
            let manifestStem = manifestURL.lastPathComponent.replacingOccurrences(of: ".manifest.json", with: "")
                .replacingOccurrences(of: ".json", with: "")
            let partsFolder = parts.map { URL(fileURLWithPath: $0).standardized }
                ?? manifestFolder.appendingPathComponent("\(manifestStem).parts")

            let demuxer = try PacketDemuxer(path: input)
            let index = try VideoPacketIndex(reading: demuxer)
            let attributes = try? FileManager.default.attributesOfItem(atPath: input)
            let bytes = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
            let seconds = Double(SegmentPlanner.duration(of: index.entries.map(\.pts).sorted())) * index.timeBase.seconds
            let wanted = segments ?? max(1, Int((seconds / segmentSeconds!).rounded()))
            let manifest = try SegmentPlanner.plan(
                source: URL(fileURLWithPath: input).standardized.path, bytes: bytes, index: index, count: wanted,
                warmUpSeconds: warmUp, manifestFolder: manifestFolder, partsFolder: partsFolder)
            try destination.write(manifest.encoded())
            let n = manifest.segments.count
            let longest = manifest.segments.map { $0.endSeconds - $0.startSeconds }.max() ?? 0
            console.info(String(format: "%@: %d frames, %.1f s in %d segment(s) (the longest %.1f s), %.1f s warm-up -> %@; parts in %@",
                                input, manifest.source.frames, manifest.source.seconds, n, longest, warmUp,
                                manifestPath, partsFolder.path))
            if n < wanted {
                let keyframes = index.entries.filter(\.isKeyframe).count
                console.warning("\(n) segment(s), not \(wanted): the video has \(keyframes) keyframe(s) and a segment must start at one (re-encode with more, e.g. ffmpeg -i IN -c:a copy -g 250 OUT, to split it finer)")
            }
            return n
        }
        print(count)
    }
}
