import ArgumentParser
import Foundation
import SCKDCore
import SCKDMedia
import SCKDModel
import SCKDPipeline
import SCKDSystem

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Frame rates: the network alone beside the convolution ceiling, and the whole pipeline per stage.",
        discussion: """
        Without INPUT: synthetic clips at each --size (made once, x264). With INPUT: that video. For \
        each model and precision: network-only ms per frame (median of --runs after warm-up) and its \
        fraction of the machine's convolution ceiling measured in the same run; then a full \
        `sckd enhance` run (to a temporary file) with per-stage ms per frame (median, p95) and the \
        end-to-end fps. Stage times are thread times on a shared machine: compare within one run.
        """
    )

    @Argument(help: "A video to benchmark on (default: synthetic clips).")
    var input: String?

    @Option(name: .customLong("model"), help: "ldfc-net, ldfc-net-rt or classic (repeatable).")
    var models: [String] = ["ldfc-net-rt"]

    @Option(name: .customLong("precision"), help: "fp32 or bf16 (repeatable).")
    var precisions: [Precision] = [.fp32]

    @Option(help: "A weights file, or a folder holding <model>.safetensors.")
    var weights: String?

    @Option(name: .customLong("size"), help: "Synthetic frame sizes, WxH (repeatable).")
    var sizes: [String] = ["640x480", "1280x720", "1920x1080"]

    @Option(parsing: .unconditional, help: "OpenMP threads for network-only timing (the pipeline plans its own).")
    var threads: Int = availableCores

    @Option(parsing: .unconditional, help: "Timed network runs per size.")
    var runs: Int = 10

    @Option(parsing: .unconditional, help: "Frames through the pipeline per configuration.")
    var frames: Int = 90

    @Flag(help: "Network rows with every convolution a oneDNN primitive (no fused C kernels), to compare.")
    var unfused = false

    @Flag(help: "Network only: skip the pipeline runs.")
    var networkOnly = false

    @Flag(help: "Also print milliseconds per network primitive.")
    var profile = false

    @Option(help: "Write the results as JSON to this file.")
    var json: String?

    @Option(help: "Write an SVG chart (fps per configuration, stacked stage times) to this file.")
    var plot: String?

    @Flag(name: [.customShort("y"), .customLong("overwrite")], help: "Replace existing --json and --plot files.")
    var overwrite = false

    static let stages = ["source", "convert in", "cells", "phase A", "smoothing", "phase B", "level", "convert out", "sink"]

    func validate() throws {
        if runs < 1 { throw ValidationError("--runs must be at least 1") }
        if frames < 1 { throw ValidationError("--frames must be at least 1") }
        if !threadRange.contains(threads) { throw ValidationError("--threads must be between 1 and \(threadRange.upperBound)") }
        if frames > 100_000 { throw ValidationError("--frames must be at most 100000") }
        for p in precisions where !p.isSupported { throw ValidationError(UnsupportedPrecision(precision: p).description) }
    }

    func run() throws {
        // Checked before minutes of benchmarking, written after.
        let jsonFile: OutputFile?, plotFile: OutputFile?
        do {
            jsonFile = try json.map { try OutputFile(path: $0, overwrite: overwrite, inputs: input.map { [$0] } ?? []) }
            plotFile = try plot.map { try OutputFile(path: $0, overwrite: overwrite, inputs: input.map { [$0] } ?? []) }
        } catch {
            Console(quiet: false, forceProgress: false).error("\(error)")
            throw ExitCode.failure
        }
        let tmp = NSTemporaryDirectory() + "sckd-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let clips = try clipsToMeasure(in: tmp)
        var results: [[String: Any]] = []
        var ceilings: [String: Double] = [:]
        for precision in precisions {
            ceilings[precision.rawValue] = try ConvolutionCeiling.measure(threads: threads, precision: precision)
        }
        print("convolution ceiling, \(threads) threads: " + ceilings.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.1f", $0.value)) GFLOP/s" }.joined(separator: ", "))
        print("configuration                       net ms (p95)     % ceil   e2e fps cpu ms  no-enc fps cpu ms  " + Self.stages.map { $0.padding(toLength: 11, withPad: " ", startingAt: 0) }.joined(separator: " "))
        for clip in clips {
            for model in models {
                for precision in (model == "classic" ? [Precision.fp32] : precisions) {
                    let (row, line) = try measure(clip, model: model, precision: precision,
                                                  ceiling: ceilings[precision.rawValue]!, scratch: tmp)
                    print(line)
                    results.append(row)
                }
            }
        }
        if !networkOnly { print("(cpu ms: process CPU time per frame, all threads; no-enc: the same run into FFmpeg's null muxer, without x264; stage columns: median/p95 ms of the stage thread's CPU time per frame)") }
        let doc: [String: Any] = ["threads": threads, "cores": availableCores,
                                  "ceiling_gflops": ceilings, "runs": runs, "frames": frames, "results": results]
        try jsonFile?.write(try JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys]))
        try plotFile?.write(Data(BenchChart(results: results, stages: Self.stages).svg().utf8))
    }

    typealias Clip = (label: String, path: String?, width: Int, height: Int)

    /// The input video, or a synthetic clip per --size written under `scratch` (none when only the
    /// network is timed: it needs a size, not frames).
    func clipsToMeasure(in scratch: String) throws -> [Clip] {
        if let input {
            let v = try VideoReader(path: input, copyAudio: false).video
            return [(URL(fileURLWithPath: input).lastPathComponent, input, v.width, v.height)]
        }
        return try sizes.map { s in
            guard let fs = FrameSize(s) else { throw ValidationError("bad --size \(s)") }
            let path = networkOnly ? nil : try synthesize(width: fs.width, height: fs.height, frames: frames,
                                                         to: "\(scratch)/synthetic-\(s).mp4")
            return (s, path, fs.width, fs.height)
        }
    }

    /// One configuration on one clip: the network alone against the convolution ceiling, then the
    /// pipeline with and without the encoder. Returns the JSON row and the table line.
    func measure(_ clip: Clip, model: String, precision: Precision, ceiling: Double, scratch: String) throws
        -> (row: [String: Any], line: String) {
        let (label, path, w, h) = clip
        let name = model == "classic" ? "classic" : "\(model) \(precision.rawValue)"
        var row: [String: Any] = ["clip": label, "width": w, "height": h, "model": model, "precision": precision.rawValue]
        var netMs = Double.nan, netP95 = Double.nan, fraction = Double.nan
        if model != "classic" {
            let wts = try LDFCNetWeights(path: weightsPath(for: model, explicit: weights))
            let engine = try LDFCNetEngine(weights: wts, threads: threads, precision: precision, fusedBlocks: !unfused)
            (netMs, netP95) = try networkMilliseconds(engine, width: w, height: h)
            let flops = 2 * Double(wts.config.macs(width: w, height: h))
            fraction = flops / (netMs / 1e3) / 1e9 / ceiling
            row["network_ms"] = netMs
            row["network_p95_ms"] = netP95
            row["ceiling_fraction"] = fraction
            row["gmacs"] = flops / 2e9
            if profile {
                row["convolution_ceiling_ratio"] = try printProfile(engine, width: w, height: h, ceiling: ceiling)
            }
        }
        var line = "\(label) \(name)".padding(toLength: 34, withPad: " ", startingAt: 0)
        line += String(format: "%7.2f/%-7.2f %5.1f%%", netMs, netP95, 100 * fraction)
        guard !networkOnly, let path else { return (row, line) }
        let setup = try pipelineSetup(model: model, precision: precision)
        let (fps, stats) = try pipeline(path: path, setup: setup, out: "\(scratch)/out.mp4")
        row["e2e_fps"] = fps
        row["cpu_ms_per_frame"] = stats.cpuPerFrame
        line += String(format: "  %8.1f %7.1f ", fps, stats.cpuPerFrame)
        // The same run without the encoder (FFmpeg's null muxer): what the pipeline itself costs
        // beside the network, apart from x264.
        let (bareFps, bare) = try pipeline(path: path, setup: setup, out: "\(scratch)/out.null", encode: false)
        row["no_encode_fps"] = bareFps
        row["no_encode_cpu_ms_per_frame"] = bare.cpuPerFrame
        line += String(format: "  %8.1f %7.1f  ", bareFps, bare.cpuPerFrame)
        var stageRows: [String: Any] = [:]
        for st in Self.stages {
            let med = stats.quantile(st, 0.5), p95 = stats.quantile(st, 0.95)
            stageRows[st] = ["median_ms": med, "p95_ms": p95, "mean_ms": stats.perFrame(st)]
            line += String(format: " %5.1f/%5.1f", med, p95)
        }
        row["stages"] = stageRows
        return (row, line)
    }

    /// Per step: median ms, the multiply-accumulates of the layers it computes and its time at the
    /// measured ceiling; then the roofline: all convolution steps' time against their
    /// MACs at the ceiling. Returns that ratio.
    func printProfile(_ engine: LDFCNetEngine, width w: Int, height h: Int, ceiling: Double) throws -> Double {
        let table = engine.config.layers(width: w, height: h)
        var convMs = 0.0, convMacs = 0, totalMs = 0.0
        print("    step                               ms     MMACs  ms at ceiling   x ceiling")
        for (step, ms) in try engine.profile(width: w, height: h, runs: max(5, runs)) {
            let macs = engine.config.layers(computedBy: step, in: table).reduce(0) { $0 + $1.macs }
            let ideal = 2 * Double(macs) / (ceiling * 1e9) * 1e3
            totalMs += ms
            var line = "    " + step.padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: " %8.3f", ms)
            if macs > 0 {
                convMs += ms
                convMacs += macs
                line += String(format: "  %8.2f  %13.3f  %9.2fx", Double(macs) / 1e6, ideal, ms / ideal)
            }
            print(line)
        }
        let ideal = 2 * Double(convMacs) / (ceiling * 1e9) * 1e3
        print(String(format: "    convolutions %.2f ms for %.1f MMACs, %.2f ms at the ceiling: %.2fx (target <= 1.5x); all steps %.2f ms",
                     convMs, Double(convMacs) / 1e6, ideal, convMs / ideal, totalMs))
        print("    (* : a part of one fused step, timed inside it; steps without MACs move or combine data)")
        return convMs / ideal
    }

    /// Median and p95 ms of phase A + phase B after two warm-up runs.
    func networkMilliseconds(_ engine: LDFCNetEngine, width: Int, height: Int) throws -> (Double, Double) {
        let frame = PlanarImage(width: width, height: height, channels: 3)
        for i in 0..<frame.count { frame.data[i] = Float((i &* 2654435761) % 1000) / 4000 }
        var t: [Double] = []
        for i in 0..<(runs + 2) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = try engine.enhance(frame)
            if i >= 2 { t.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6) }
        }
        t.sort()
        return (t[t.count / 2], t[min(t.count - 1, Int(Double(t.count - 1) * 0.95 + 0.5))])
    }

    /// What every pipeline run of one configuration shares: the model options each worker builds
    /// its enhancer from, and the pipeline configuration with the enhancer's exposure behaviour,
    /// read once from a probe.
    func pipelineSetup(model: String, precision: Precision) throws -> (options: ModelOptions, configuration: PipelineConfiguration) {
        var options = try ModelOptions.parse(["--model", model, "--precision", precision.rawValue] + (weights.map { ["--weights", $0] } ?? []))
        let (configuration, threads) = PipelineConfiguration.planned(for: try options.makeEnhancer().0, queueCapacity: 4,
                                                                     policy: .block, smoothing: 0.8)
        options.threads = threads
        return (options, configuration)
    }

    /// One `sckd enhance` run (x264 veryfast to a temporary file; without `encode`, to FFmpeg's
    /// null muxer): fps and stage statistics.
    func pipeline(path: String, setup: (options: ModelOptions, configuration: PipelineConfiguration), out: String,
                  encode: Bool = true) throws -> (Double, PipelineStats) {
        let reader = try VideoReader(path: path, copyAudio: false)
        let writer = try VideoWriter(output: try OutputFile(path: out, overwrite: true, inputPath: path),
                                     settings: encode ? EncoderSettings() : EncoderSettings(container: "null"),
                                     video: reader.video, copiedStreams: [])
        let options = setup.options
        let job = EnhanceJob(reader: reader, writer: writer, configuration: setup.configuration,
                             makeEnhancer: { try options.makeEnhancer().0 })
        job.maxFrames = frames
        let report = try job.run()
        return (Double(report.frames) / report.elapsed, report.stats)
    }

    /// A clip of moving, noisy, dark structure (x264), for benchmarks without an input.
    func synthesize(width: Int, height: Int, frames: Int, to path: String) throws -> String {
        let info = VideoStreamInfo.synthetic(width: width, height: height, fps: 25, frames: frames)
        let writer = try VideoWriter(output: try OutputFile(path: path, overwrite: true, inputPath: nil),
                                     settings: EncoderSettings(crf: 20, preset: "ultrafast"), video: info, copiedStreams: [])
        var seed: UInt32 = 1
        for f in 0..<frames {
            let img = PlanarImage(width: width, height: height, channels: 3)
            for c in 0..<3 {
                let p = img.plane(c)
                for y in 0..<height {
                    for x in 0..<width {
                        seed = seed &* 1664525 &+ 1013904223
                        let wave = 0.5 + 0.5 * sin(Float(x + 3 * f) * 0.02 + Float(c)) * cos(Float(y) * 0.015)
                        p[y * width + x] = 0.12 * wave + Float(seed >> 24) / 255 * 0.03
                    }
                }
            }
            try writer.write(img, pts: Int64(f))
        }
        try writer.finish()
        return path
    }
}

/// fps per configuration (bars) and median stage times (stacked), as a small self-contained SVG.
struct BenchChart {
    let results: [[String: Any]]
    let stages: [String]
    let colours = ["#8da0cb", "#66c2a5", "#fc8d62", "#e78ac3", "#a6d854", "#ffd92f", "#b3b3b3"]

    func svg() -> String {
        let rows = results.filter { $0["e2e_fps"] != nil }
        let barH = 22, gap = 10, left = 260, width = 900
        let height = 60 + rows.count * (2 * barH + gap) + 40
        let maxFps = max(1, rows.compactMap { $0["e2e_fps"] as? Double }.max() ?? 1)
        let maxMs = max(1, rows.map { stageTotal($0) }.max() ?? 1)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<text x=\"10\" y=\"20\" font-size=\"15\">sckd bench: end-to-end fps (grey) and median ms per frame per stage (stacked)</text>\n"
        for (i, st) in stages.enumerated() {
            s += "<rect x=\"\(10 + i * 120)\" y=\"32\" width=\"12\" height=\"12\" fill=\"\(colours[i % colours.count])\"/><text x=\"\(26 + i * 120)\" y=\"43\">\(st)</text>\n"
        }
        for (r, row) in rows.enumerated() {
            let y = 60 + r * (2 * barH + gap)
            let label = "\(row["clip"] ?? "") \(row["model"] ?? "") \(row["precision"] ?? "")"
            s += "<text x=\"10\" y=\"\(y + 15)\">\(label)</text>\n"
            let fps = row["e2e_fps"] as? Double ?? 0
            let fw = Double(width - left - 80) * fps / maxFps
            s += "<rect x=\"\(left)\" y=\"\(y)\" width=\"\(String(format: "%.1f", fw))\" height=\"\(barH - 4)\" fill=\"#999\"/>"
            s += "<text x=\"\(left + Int(fw) + 4)\" y=\"\(y + 14)\">\(String(format: "%.1f fps", fps))</text>\n"
            var x = Double(left)
            let st = row["stages"] as? [String: Any] ?? [:]
            for (i, name) in stages.enumerated() {
                let ms = (st[name] as? [String: Double])?["median_ms"] ?? 0
                let w = Double(width - left - 80) * ms / maxMs
                s += "<rect x=\"\(String(format: "%.1f", x))\" y=\"\(y + barH)\" width=\"\(String(format: "%.1f", w))\" height=\"\(barH - 4)\" fill=\"\(colours[i % colours.count])\"><title>\(name) \(String(format: "%.2f", ms)) ms</title></rect>"
                x += w
            }
            s += "<text x=\"\(Int(x) + 4)\" y=\"\(y + barH + 14)\">\(String(format: "%.1f ms", stageTotal(row)))</text>\n"
        }
        return s + "</svg>\n"
    }

    func stageTotal(_ row: [String: Any]) -> Double {
        let st = row["stages"] as? [String: Any] ?? [:]
        return stages.reduce(0) { $0 + ((st[$1] as? [String: Double])?["median_ms"] ?? 0) }
    }
}
