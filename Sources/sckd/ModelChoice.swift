import ArgumentParser
import Foundation
import SCKDClassic
import SCKDCore
import SCKDModel

/// The enhancers a user can pick. `auto` is LDFC-Net when trained weights are installed, else the
/// classical baseline (an untrained network would only make noise).
enum ModelChoice: String, ExpressibleByArgument, CaseIterable {
    case auto
    case ldfcNet = "ldfc-net"
    case ldfcNetRT = "ldfc-net-rt"
    case classic
    case none

    static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// Where weights files are looked for: --weights, $SCKD_WEIGHTS, the Weights/ folder of the
/// source tree the binary was built in, an installed share/sckd/Weights, ./Weights.
func weightsPath(for model: String, explicit: String?) -> String {
    var dirs: [String] = []
    if let e = explicit {
        // Weights the user named load from there or the run fails: never the installed ones instead.
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: e, isDirectory: &isDir), isDir.boolValue {
            return URL(fileURLWithPath: e).appendingPathComponent("\(model).safetensors").path
        }
        return e
    }
    if let env = ProcessInfo.processInfo.environment["SCKD_WEIGHTS"] { dirs.append(env) }
    if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        // The source tree the binary was built in (.build/<triple>/<config>/sckd, three levels
        // up), or an installation prefix (<prefix>/bin/sckd with <prefix>/share/sckd/Weights).
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        dirs.append(dir.appendingPathComponent("../share/sckd/Weights").standardized.path)
        for _ in 0..<4 {
            dir = dir.deletingLastPathComponent()
            dirs.append(dir.appendingPathComponent("Weights").path)
        }
    }
    dirs.append("Weights")
    for d in dirs where FileManager.default.fileExists(atPath: "\(d)/\(model).safetensors") {
        return "\(d)/\(model).safetensors"
    }
    return "\(dirs.first!)/\(model).safetensors"
}

/// Thread counts a user may ask for: beyond this OpenMP refuses to start, or the run only thrashes.
let threadRange = 1...256

struct ModelOptions: ParsableArguments {
    @Option(help: "Enhancer: auto (ldfc-net when trained weights are installed, else classic), ldfc-net, ldfc-net-rt, classic, none.")
    var model: ModelChoice = .auto

    @Option(help: "A weights file, or a folder holding <model>.safetensors.")
    var weights: String?

    @Option(parsing: .unconditional, help: "Threads for the network (default: all cores).")
    var threads: Int?

    @Option(help: "Network arithmetic: fp32, or bf16 (AVX-512 BF16: faster, within ~45 dB of fp32).")
    var precision: Precision = .fp32

    @Option(parsing: .unconditional, help: "Classic enhancer strength, 0 (none) to 1.")
    var strength: Float = 0.75

    @Option(parsing: .unconditional, help: ArgumentHelp("How bright the result should be, 0 to 2 (LDFC-Net).",
                               discussion: "0 keeps the input; 1 (default) lifts dark regions as far as the network does and already bright ones little or not at all, keeping highlights and lights out of clipping; up to 2 lifts further."))
    var exposure: Float = 1

    func validate() throws {
        guard (0...1).contains(strength) else { throw ValidationError("--strength must be between 0 and 1") }
        guard (0...2).contains(exposure) else { throw ValidationError("--exposure must be between 0 and 2") }
        if let threads, !threadRange.contains(threads) { throw ValidationError("--threads must be between 1 and \(threadRange.upperBound)") }
    }

    /// The enhancer, and a note for the user when `auto` had to fall back.
    func makeEnhancer(defaultNetwork: String = "ldfc-net", tiled: Bool = true) throws -> (FrameEnhancer, String?) {
        switch model {
        case .classic: return (ClassicRetinexEnhancer(strength: strength), nil)
        case .none: return (IdentityEnhancer(), nil)
        case .ldfcNet, .ldfcNetRT, .auto:
            let name = model == .auto ? defaultNetwork : model.rawValue
            let path = weightsPath(for: name, explicit: weights)
            if model == .auto && weights == nil {
                guard let w = try? LDFCNetWeights(path: path), w.trainedSteps > 0 else {
                    return (ClassicRetinexEnhancer(strength: strength), "no trained \(name) weights installed: using the classic enhancer")
                }
                return (try network(w, tiled: tiled), nil)
            }
            let w = try LDFCNetWeights(path: path)
            // The real-time family is the one whose body runs at a quarter of the resolution.
            if model != .auto, w.config.bodyAtQuarter != (model == .ldfcNetRT) {
                throw WeightsError.otherNetwork(path: path, holds: w.config.name, asked: model.rawValue)
            }
            let note = w.trainedSteps == 0 ? "\(path) is an untrained export (engine testing only): expect noise" : nil
            return (try network(w, tiled: tiled), note)
        }
    }

    /// The enhancer, with `auto`'s fallback (or an untrained export) said on the console.
    func makeEnhancer(defaultNetwork: String = "ldfc-net", telling console: Console) throws -> FrameEnhancer {
        let (enhancer, note) = try makeEnhancer(defaultNetwork: defaultNetwork)
        if let note { console.info(note) }
        return enhancer
    }

    private func network(_ w: LDFCNetWeights, tiled: Bool) throws -> FrameEnhancer {
        let engine = try LDFCNetEngine(weights: w, threads: threads ?? 0, precision: precision)
        return ToneMappedEnhancer(tiled ? TiledEnhancer(engine: engine) : engine, tone: ExposureTone(exposure: exposure))
    }
}

extension Precision: ExpressibleByArgument {}
