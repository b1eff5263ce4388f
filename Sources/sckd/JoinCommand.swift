import ArgumentParser
import Foundation
import SCKDMedia
import SCKDSegments

struct JoinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Put a manifest's enhanced parts together into one video, without re-encoding.",
        discussion: """
        The parts' video is copied in order; audio and subtitles are copied once from the source \
        video. Refuses, naming the part, until every part is complete and all were made with the \
        same settings.
        """
    )

    @Argument(help: "The manifest `sckd plan` wrote.")
    var manifest: String

    @Option(name: .shortAndLong, help: "Output file, or - for stdout (then -f is required).")
    var output: String

    @Option(name: [.customShort("f"), .customLong("format")], help: "Container format; default: from the output name.")
    var format: String?

    @Flag(name: .customLong("no-audio"), help: "Leave out the source's audio and subtitles.")
    var noAudio = false

    @Flag(name: [.customShort("y"), .customLong("overwrite")], help: "Overwrite an existing output file.")
    var overwrite = false

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        if output == "-" && format == nil { throw ValidationError("writing to stdout needs a container: add -f nut (or mkv, mp4, …)") }
    }

    func run() throws {
        let console = Console(quiet: quiet, forceProgress: false)
        try reportingFailures(console) {
            let m = try SegmentManifest.read(manifest)
            let inputs = [manifest, m.sourcePath] + m.segments.indices.map { m.partPath($0) }
            let destination = try OutputFile(path: output, overwrite: overwrite, inputs: inputs)
            var joiner = SegmentJoiner(manifest: m)
            joiner.copyAudio = !noAudio
            let report = try joiner.join(to: destination, container: format)
            for note in report.notes { console.info(note) }
            console.info("\(report.parts) part(s), \(report.frames) frames -> \(output)")
        }
    }
}
