import ArgumentParser
import Foundation
import SCKDCore
import SCKDModel

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the network: ms per frame (phase A + phase B) at several sizes, beside the machine's convolution ceiling.",
        discussion: "Medians of --runs timed runs after warm-up; one run measures everything, so ratios are comparable."
    )

    @Option(help: "ldfc-net or ldfc-net-rt.")
    var model: String = "ldfc-net-rt"

    @Option(help: "A weights file, or a folder holding <model>.safetensors.")
    var weights: String?

    @Option(name: .customLong("size"), help: "Frame sizes, WxH (repeatable).")
    var sizes: [String] = ["640x480", "1280x720", "1920x1080"]

    @Option(help: "OpenMP threads for the network.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "fp32 or bf16.")
    var precision: Precision = .fp32

    @Option(help: "Timed runs per size.")
    var runs: Int = 10

    @Flag(help: "Also print milliseconds per primitive.")
    var profile = false

    @Option(help: "Write the results as JSON to this file.")
    var json: String?

    func run() throws {
        let w = try LDFCNetWeights(path: weightsPath(for: model, explicit: weights))
        let engine = try LDFCNetEngine(weights: w, threads: threads, precision: precision)
        let ceiling = try ConvolutionCeiling.measure(threads: threads, precision: precision)
        var rows: [[String: Any]] = []
        print("model \(model), \(precision.rawValue), \(threads) threads, \(precision.rawValue) convolution ceiling \(String(format: "%.1f", ceiling)) GFLOP/s")
        print("size        phase A ms  phase B ms  total ms (p95)   fps    GMACs  % of ceiling")
        for s in sizes {
            let p = s.lowercased().split(separator: "x").compactMap { Int($0) }
            guard p.count == 2, p[0] > 0, p[1] > 0 else { throw ValidationError("bad --size \(s)") }
            let frame = PlanarImage(width: p[0], height: p[1], channels: 3, filledWith: 0.1)
            for i in 0..<frame.count { frame.data[i] = Float((i * 2654435761) % 1000) / 4000 }
            var ta: [Double] = [], tb: [Double] = []
            for i in 0..<(runs + 2) {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let L = try engine.estimateIllumination(frame)
                let t1 = DispatchTime.now().uptimeNanoseconds
                _ = try engine.enhance(frame, illumination: L)
                let t2 = DispatchTime.now().uptimeNanoseconds
                if i >= 2 { ta.append(Double(t1 - t0) / 1e6); tb.append(Double(t2 - t1) / 1e6) }
            }
            let total = zip(ta, tb).map(+).sorted()
            let median = { (v: [Double]) in v.sorted()[v.count / 2] }
            let p95 = total[min(total.count - 1, Int(Double(total.count) * 0.95))]
            let macs = Double(w.config.macs(width: p[0], height: p[1]))
            let achieved = 2 * macs / (median(total) / 1e3) / 1e9
            print(String(format: "%-11@ %9.2f  %9.2f  %8.2f (%6.2f) %6.1f  %6.2f  %6.1f", s as NSString, median(ta), median(tb),
                         median(total), p95, 1e3 / median(total), macs / 1e9, 100 * achieved / ceiling))
            if profile {
                for (name, ms) in try engine.profile(width: p[0], height: p[1]) {
                    print("    \(name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(String(format: "%8.3f", ms)) ms")
                }
            }
            rows.append(["size": s, "phase_a_ms": median(ta), "phase_b_ms": median(tb), "total_ms": median(total),
                         "total_p95_ms": p95, "fps": 1e3 / median(total), "gmacs": macs / 1e9, "ceiling_fraction": achieved / ceiling])
        }
        if let json {
            let doc: [String: Any] = ["model": model, "precision": precision.rawValue, "threads": threads, "runs": runs, "ceiling_gflops": ceiling, "results": rows]
            try JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: json))
        }
    }
}
