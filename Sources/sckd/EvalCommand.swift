import ArgumentParser
import SCKDSystem
import Foundation
import SCKDCore
import SCKDMedia
import SCKDMetrics

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score an enhancer on a paired set: PSNR, SSIM and GT-mean PSNR per image and on average.",
        discussion: """
        Pairs are matched by file name without extension (any format FFmpeg reads). The metrics are \
        the reference ones of LOL-v1 evaluation, computed on the 8-bit pictures that --save \
        writes. --model none scores the low-light input itself; --model classic the baseline.
        """
    )

    @Option(help: "Folder of low-light inputs.")
    var low: String

    @Option(help: "Folder of ground truths.")
    var high: String

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Write per-image and mean results as JSON to this file.")
    var json: String?

    @Option(help: "Also write the enhanced pictures (PNG) to this folder.")
    var save: String?

    @Flag(name: [.customShort("y"), .customLong("overwrite")], help: "Replace an existing --json file and pictures in --save.")
    var overwrite = false

    func run() throws {
        StopSignal.install()
        let console = Console(quiet: false, forceProgress: false)
        func stems(_ dir: String) throws -> [String: String] {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                console.error("'\(dir)' is not a folder")
                throw ExitCode.failure
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { !$0.hasPrefix(".") }
            return Dictionary(names.map { (URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent, "\(dir)/\($0)") },
                              uniquingKeysWith: { a, _ in a })
        }
        let lows = try stems(low), highs = try stems(high)
        let common = Set(lows.keys).intersection(highs.keys).sorted { ($0.count, $0) < ($1.count, $1) }
        guard !common.isEmpty else {
            console.error("no file names in common between '\(low)' and '\(high)'")
            throw ExitCode.failure
        }
        // Every destination is checked before the first picture is scored.
        let inputs = Array(lows.values) + Array(highs.values)
        let (jsonFile, saved, enhancer) = try reportingFailures(console) {
            let jsonFile = try json.map { try OutputFile(path: $0, overwrite: overwrite, inputs: inputs) }
            var saved: [String: OutputFile] = [:]
            if let save {
                try OutputFile.makeFolder(save, inputFolders: [low, high])
                for name in common { saved[name] = try OutputFile(path: "\(save)/\(name).png", overwrite: overwrite, inputs: inputs) }
            }
            return (jsonFile, saved, try modelOptions.makeEnhancer(telling: console))
        }
        print("image                PSNR     SSIM   PSNR_GTmean     ms")
        var rows: [[String: Any]] = []
        var ps: [Double] = [], ss: [Double] = [], gs: [Double] = []
        for name in common {
            if StopSignal.isRequested { throw ExitCode(130) }
            do {
                let input = try StillImage.read(lows[name]!)
                let truth = try StillImage.read(highs[name]!)
                guard input.width == truth.width, input.height == truth.height else {
                    console.error("\(name): \(input.width)x\(input.height) input but \(truth.width)x\(truth.height) ground truth")
                    throw ExitCode.failure
                }
                let t0 = DispatchTime.now().uptimeNanoseconds
                let out = try enhancer.enhance(input)
                let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
                if let file = saved[name] { try StillImage.writePNG(out, to: file) }
                let a = picture(out), b = picture(truth)
                let p = ImageQuality.psnr(a, b), s = ImageQuality.ssim(a, b), g = ImageQuality.gtMeanPSNR(a, b)
                ps.append(p); ss.append(s); gs.append(g)
                print("\(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(fmt(p, 8, 3)) \(String(format: "%8.4f", s)) \(fmt(g, 13, 3)) \(String(format: "%6.0f", ms))")
                rows.append(["name": name, "psnr": finite(p), "ssim": s, "psnr_gtmean": finite(g), "ms": ms])
            } catch let e as ExitCode {
                throw e
            } catch {
                console.error("\(error)")
                throw ExitCode.failure
            }
        }
        let mean = { (v: [Double]) in v.reduce(0, +) / Double(v.count) }
        let (P, S, G) = (mean(ps), mean(ss), mean(gs))
        print(String(format: "n=%d PSNR=%.3f SSIM=%.4f PSNR_GTmean=%.3f (model %@)", common.count, P, S, G, enhancer.name as NSString))
        if let jsonFile {
            let doc: [String: Any] = ["n": common.count, "model": enhancer.name, "psnr": finite(P), "ssim": S,
                                      "psnr_gtmean": finite(G), "rows": rows,
                                      "missing": Set(highs.keys).subtracting(lows.keys).count]
            do {
                try jsonFile.write(try JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys]))
            } catch {
                console.error("\(error)")
                throw ExitCode.failure
            }
        }
    }

    private func picture(_ image: PlanarImage) -> RGB8Picture {
        RGB8Picture(width: image.width, height: image.height,
                    unitPlanes: [UnsafePointer(image.plane(0)), UnsafePointer(image.plane(1)), UnsafePointer(image.plane(2))])
    }

    /// JSON has no infinity: identical pictures give null.
    private func finite(_ v: Double) -> Any { v.isFinite ? v : NSNull() }

    private func fmt(_ v: Double, _ width: Int, _ digits: Int) -> String {
        v.isFinite ? String(format: "%\(width).\(digits)f", v) : String(repeating: " ", count: max(0, width - 3)) + "inf"
    }
}
