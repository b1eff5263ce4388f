import ArgumentParser
import SCKDSystem
import Foundation
import SCKDCapture
import SCKDCore
import SCKDMedia
import SCKDPipeline

struct CameraCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "camera",
        abstract: "Enhance a live webcam (V4L2) into a file or a pipe; --list shows the cameras.",
        discussion: """
        Examples:
          sckd camera /dev/video0 -o - -f nut | ffplay -       # live preview
          sckd camera /dev/video0 -o night-walk.mkv            # record; Ctrl-C finalises the file
        Frames are dropped (oldest first) when the network falls behind, and counted; latency is \
        capture time to the muxer.
        """
    )

    @Argument(help: "The camera device, e.g. /dev/video0.")
    var device: String?

    @Flag(help: "List cameras with their formats, sizes and frame rates.")
    var list = false

    @Option(name: .shortAndLong, help: "Output file, or - for stdout (then -f is required).")
    var output: String?

    @Option(name: [.customShort("f"), .customLong("format")], help: "Container format (mkv, nut, mp4, …).")
    var format: String?

    @Option(help: "Capture size, WxH (the nearest the camera offers is used).")
    var size: String = "640x480"

    @Option(parsing: .unconditional, help: "Capture frame rate (the nearest offered is used).")
    var fps: Double = 30

    @Option(parsing: .unconditional, help: "Set the camera's brightness control (its own range; e.g. 0-255).")
    var brightness: Int32?

    @Option(parsing: .unconditional, help: "Stop after this many frames.")
    var frames: Int?

    @Option(parsing: .unconditional, help: "Stop after this many seconds.")
    var duration: Double?

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Video encoder; default libx264 (ultrafast: live).")
    var codec: String?

    @Option(help: "Encoder preset.")
    var preset: String = "ultrafast"

    @Option(name: .customLong("temporal-smoothing"), parsing: .unconditional, help: "Smooth the illumination and steady the output level over time: 0 (per-frame) to 1.")
    var temporalSmoothing: Float = 0.8

    @Flag(name: [.customShort("y"), .customLong("overwrite")], help: "Overwrite an existing output file.")
    var overwrite = false

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        if list { return }
        guard device != nil else { throw ValidationError("give a camera device (e.g. /dev/video0), or --list") }
        guard let output else { throw ValidationError("give an output with -o (a file, or - for stdout)") }
        if output == "-" && format == nil { throw ValidationError("writing to stdout needs a container: add -f nut (or mkv, …)") }
        guard FrameSize(size) != nil else { throw ValidationError("--size must look like 640x480") }
        guard fps > 0, fps <= 1000 else { throw ValidationError("--fps must be above 0 and at most 1000") }
        guard (0...1).contains(temporalSmoothing) else { throw ValidationError("--temporal-smoothing must be between 0 and 1") }
        if let frames, frames < 1 { throw ValidationError("--frames must be at least 1") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be positive") }
    }

    func run() throws {
        let console = Console(quiet: quiet, forceProgress: false)
        if list {
            let paths = device.map { [$0] } ?? videoDevicePaths()
            if paths.isEmpty { print("no video devices (/dev/video*)") }
            for path in paths {
                do {
                    let offer = try describeCamera(path)
                    print("\(path): \(offer.card)")
                    for f in offer.formats {
                        print("  \(fourccName(f.fourcc)) (\(f.name))")
                        for m in f.modes {
                            let rates = m.rates.map { String(format: "%.3g", $0) }.joined(separator: ", ")
                            print("    \(m.width)x\(m.height)" + (rates.isEmpty ? "" : " at \(rates) fps"))
                        }
                    }
                } catch {
                    print("\(path): \(error)")
                }
            }
            return
        }
        StopSignal.install()
        let frameSize = FrameSize(size)!
        try reportingFailures(console) {
            let capture = try CameraCapture(path: device!, width: frameSize.width, height: frameSize.height, fps: fps, brightness: brightness)
            for note in capture.notes { console.info(note) }
            let rate = capture.fps ?? fps
            let info = VideoStreamInfo.live(width: capture.width, height: capture.height, fps: rate)
            let destination = try OutputFile(path: output!, overwrite: overwrite, inputPath: nil)
            let writer = try VideoWriter(output: destination, settings: EncoderSettings(codec: codec, preset: preset, container: format),
                                         video: info, copiedStreams: [])
            let probe = try modelOptions.makeEnhancer(defaultNetwork: "ldfc-net-rt", telling: console)
            let (configuration, threads) = PipelineConfiguration.planned(
                for: probe, networkThreads: modelOptions.threads, queueCapacity: 2, policy: .dropOldest, smoothing: temporalSmoothing)
            var options = modelOptions
            options.threads = threads
            console.info("\(device!): \(capture.width)x\(capture.height) \(fourccName(capture.fourcc)) at \(String(format: "%.3g", rate)) fps, model \(probe.name)")
            let job = CameraJob(capture: capture, writer: writer, configuration: configuration,
                                makeEnhancer: { try options.makeEnhancer(defaultNetwork: "ldfc-net-rt").0 })
            job.maxFrames = frames
            job.duration = duration
            let r = try job.run()
            console.info("captured \(r.captured), enhanced \(r.frames), dropped \(r.dropped); latency median \(String(format: "%.0f", r.latencyMedianMs)) ms, p95 \(String(format: "%.0f", r.latencyP95Ms)) ms -> \(output!)")
            if r.interrupted { throw ExitCode(130) }
        }
    }
}
