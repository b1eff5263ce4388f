import ArgumentParser
import SCKDSystem
import Foundation
import SCKDClassic
import SCKDCore
import SCKDMedia
import SCKDPipeline

struct Enhance: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enhance a video file (or stdin) into a video file (or stdout).",
        discussion: """
        Audio and subtitles are copied unchanged, timestamps and orientation are kept. A file \
        output is written under a temporary name and renamed when complete; Ctrl-C stops reading \
        and finalises what was enhanced so far (exit status 130).

        With --segment K --manifest M (see `sckd plan`), only segment K is enhanced, into its part \
        of the manifest; `sckd join M` puts the parts together.
        """
    )

    @Argument(help: "Input video: a path, a URL, or - for stdin (with --segment: the manifest's video by default).")
    var input: String?

    @Option(name: .shortAndLong, help: "Output file, or - for stdout (then -f is required); with --segment, the manifest's part (the default).")
    var output: String?

    @Option(name: [.customShort("f"), .customLong("format")], help: "Container format (mp4, mkv, nut, y4m, …); default: from the output name.")
    var format: String?

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Video encoder (libx264, libx265, ffv1, rawvideo, …); default libx264, or the container's own.")
    var codec: String?

    @Option(parsing: .unconditional, help: "Constant rate factor for encoders that have one (default 18).")
    var crf: Int?

    @Option(help: "Encoder preset for encoders that have one.")
    var preset: String = "veryfast"


    @Flag(name: .customLong("no-audio"), help: "Drop audio instead of copying it.")
    var noAudio = false

    @Flag(name: [.customShort("y"), .customLong("overwrite")], help: "Overwrite an existing output file.")
    var overwrite = false

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    @Flag(help: "Print progress even when stderr is not a terminal.")
    var progress = false

    @Option(name: .customLong("temporal-smoothing"), parsing: .unconditional, help: "Smooth the illumination and steady the output level over time: 0 (per-frame) to 1.")
    var temporalSmoothing: Float = 0.8

    @Option(parsing: .unconditional, help: "Worker threads per network stage (default: from the core count).")
    var workers: Int?

    @Flag(help: "Print per-stage milliseconds per frame, queue occupancy and drops at the end.")
    var stats = false

    @Option(help: "Show the original too: side-by-side (twice the width) or split (left half original).")
    var compare: CompareMode = .off

    @Option(help: ArgumentHelp("Enhance only this segment of --manifest, into the part the manifest names.",
                               discussion: "A part that is already complete (same plan, same settings) is skipped; a stopped or failed segment leaves no part."))
    var segment: Int?

    @Option(help: "The job manifest `sckd plan` wrote (with --segment).")
    var manifest: String?

    func validate() throws {
        if let crf, !(0...63).contains(crf) { throw ValidationError("--crf must be between 0 and 63") }
        guard (0...1).contains(temporalSmoothing) else { throw ValidationError("--temporal-smoothing must be between 0 and 1") }
        if let workers, !(1...64).contains(workers) { throw ValidationError("--workers must be between 1 and 64") }
        if (segment == nil) != (manifest == nil) { throw ValidationError("--segment and --manifest go together") }
        if let segment, segment < 0 { throw ValidationError("--segment must be 0 or more") }
        if segment != nil {
            if output == "-" || input == "-" { throw ValidationError("a segment is read from a file and written to its part, not a pipe") }
            if format != nil { throw ValidationError("parts are Matroska files: leave out -f") }
            return
        }
        guard input != nil else { throw ValidationError("missing the input video") }
        guard let output else { throw ValidationError("missing -o OUTPUT") }
        if output == "-" && format == nil { throw ValidationError("writing to stdout needs a container: add -f nut (or mkv, mp4, y4m, …)") }
    }

    func run() throws {
        StopSignal.install()
        let console = Console(quiet: quiet, forceProgress: progress)
        try reportingFailures(console) {
            if let segment, let manifest {
                try enhanceSegment(segment, of: manifest, console: console)
            } else {
                let destination = try OutputFile(path: output!, overwrite: overwrite, inputPath: input!)
                let reader = try VideoReader(path: input!, copyAudio: !noAudio)
                let report = try enhance(reader, into: destination, console: console)
                if report.interrupted { throw ExitCode(130) }
            }
        }
    }

    /// The enhancement itself, for a whole video or (with `window`) one segment of it.
    func enhance(_ reader: VideoReader, into destination: OutputFile, container: String? = nil, metadata: [String: String] = [:],
                 window: FrameWindow? = nil, expectedFrames: Int? = nil, console: Console) throws -> EnhanceReport {
        let encoding = EncoderSettings(codec: codec, crf: crf, preset: preset, container: container ?? format)
        let shown = compare == .sideBySide ? reader.video.resized(width: 2 * reader.video.width, height: reader.video.height)
            : reader.video
        let writer = try VideoWriter(output: destination, settings: encoding, video: shown,
                                     copiedStreams: reader.copiedStreams, metadata: metadata)
        for note in writer.notes { console.info(note) }
        // Probe the model once here (errors surface before any thread starts); every worker
        // then makes its own engine on its own thread.
        let probe = try modelOptions.makeEnhancer(telling: console)
        let v = reader.video
        let (configuration, threads) = PipelineConfiguration.planned(
            for: probe, workers: workers, networkThreads: modelOptions.threads, queueCapacity: 4, policy: .block,
            smoothing: temporalSmoothing)
        console.info("\(reader.path): \(v.width)x\(v.height) \(v.codecName), \(String(format: "%.3g", Double(v.frameRate.num) / Double(v.frameRate.den))) fps, model \(probe.name), \(configuration.workers) worker(s) x \(threads) thread(s) per stage")
        var options = modelOptions
        options.threads = threads
        let job = EnhanceJob(reader: reader, writer: writer, configuration: configuration, compare: compare,
                             makeEnhancer: { try options.makeEnhancer().0 },
                             onProgress: { console.progress($0) })
        job.window = window
        job.expectedFrames = expectedFrames
        job.finalisesPartialOutput = window == nil
        let report = try job.run()
        console.endProgress()
        if let why = report.endedEarly { console.warning("'\(reader.path)' ended early: \(why)") }
        var summary = "\(report.frames) frames in \(String(format: "%.1f", report.elapsed)) s (\(String(format: "%.1f", Double(report.frames) / max(report.elapsed, 1e-9))) fps) -> \(destination.path)"
        if report.corruptFrames > 0 { summary += ", \(report.corruptFrames) corrupt frames skipped" }
        if report.interrupted { summary += " (interrupted: partial output finalised)" }
        console.info(summary)
        if stats { console.info(report.stats.summary) }
        return report
    }
}

extension CompareMode: ExpressibleByArgument {}
