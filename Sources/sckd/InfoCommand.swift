import ArgumentParser
import Foundation
import SCKDModel

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a network: parameters, multiply-adds at a size, layers, weights file, kernels."
    )

    @Option(help: "ldfc-net or ldfc-net-rt.")
    var model: String = "ldfc-net"

    @Option(help: "A weights file, or a folder holding <model>.safetensors.")
    var weights: String?

    @Option(help: "Frame size for the multiply-add count and the kernel choice, WxH.")
    var size: String = "1280x720"

    func validate() throws {
        guard FrameSize(size) != nil else { throw ValidationError("--size must look like 1280x720") }
        guard ["ldfc-net", "ldfc-net-rt"].contains(model) else {
            throw ValidationError("--model must be ldfc-net or ldfc-net-rt (sckd info describes networks; '\(model)' is not one)")
        }
    }

    func run() throws {
        let frameSize = FrameSize(size)!
        let (w, h) = (frameSize.width, frameSize.height)
        let path = weightsPath(for: model, explicit: weights)
        let loaded: LDFCNetWeights
        do {
            loaded = try LDFCNetWeights(path: path)
        } catch {
            FileHandle.standardError.write("sckd: error: \(error)\n".data(using: .utf8)!)
            throw ExitCode.failure
        }
        let cfg = loaded.config
        let layers = cfg.layers(width: w, height: h)
        let macs = cfg.macs(width: w, height: h)
        var out = """
        model        \(cfg.name) (ldfc-net v\(cfg.architectureVersion)\(cfg.aGlobal ? ", whole-frame context in phase A" : ""))
        weights      \(path)
        metadata     \(loaded.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        parameters   \(cfg.parameterCount)
        MACs         \(String(format: "%.3f", Double(macs) / 1e9)) G at \(w)x\(h) (\(String(format: "%.3f", Double(cfg.macs(width: 256, height: 256)) / 1e9)) G at 256x256, \(macs / (w * h)) per pixel)
        illumination \(LDFCNetEngine.illuminationSize(width: w, height: h).width)x\(LDFCNetEngine.illuminationSize(width: w, height: h).height) (phase A output)

        layer                 kind           in   out  k  output      MMACs  params

        """
        for l in layers {
            out += l.name.padding(toLength: 22, withPad: " ", startingAt: 0) + l.kind.padding(toLength: 14, withPad: " ", startingAt: 0)
            out += String(format: "%4d %4d %2d  ", l.inChannels, l.outChannels, l.kernel)
            out += "\(l.width)x\(l.height)".padding(toLength: 11, withPad: " ", startingAt: 0)
            out += String(format: "%7.1f %7d\n", Double(l.macs) / 1e6, l.parameters)
        }
        let engine = try LDFCNetEngine(weights: loaded, threads: 1)
        let impls = try engine.implementations(width: w, height: h)
        out += "\nkernels at \(w)x\(h) (oneDNN primitives; sckd:c = the engine's own fused C passes):\n"
        let width = max(20, impls.map(\.0.count).max() ?? 0)
        for (name, impl) in impls { out += "  \(name.padding(toLength: width, withPad: " ", startingAt: 0)) \(impl)\n" }
        print(out, terminator: "")
    }
}
