import Foundation

/// The architecture of an LDFC-Net, as `Training/model.py` defines it and as the weights file's
/// `__metadata__` describes it (`arch`, `arch_version`, `config` JSON). The Swift graph is built
/// from this, and a file for another architecture or version is refused.
public struct LDFCNetConfig: Equatable, Codable, Sendable {
    public static let architecture = "ldfc-net"
    /// Version 1: the network as first shipped. Version 2 adds phase A's whole-frame context
    /// (`aGlobal`); a version-2 file must have it and a version-1 file must not, so an engine
    /// that predates it refuses the file instead of running another network.
    public static let architectureVersions = 1...2
    /// Illumination floor: L = EPS + (1 - EPS) * sigmoid(z).
    public static let illuminationFloor: Float = 0.01

    public let name: String
    public let aCh: Int
    public let aBlocks: Int
    public let fCh: Int
    /// Kernel of the full-resolution input convolution.
    public let fK: Int
    public let fBlocks: Int
    public let lCh: Int
    public let lBlocks: Int
    public let lDense: Bool
    /// Phase A adds a 1x1 convolution of its quarter-scale features' whole-frame channel means
    /// before the head, h = relu(h + W mean(h) + b) (version 2): the local estimator sees a
    /// 31-pixel neighbourhood, and how bright a picture should be depends on all of it.
    public let aGlobal: Bool

    enum CodingKeys: String, CodingKey {
        case name, aCh = "a_ch", aBlocks = "a_blocks", fCh = "f_ch", fK = "f_k", fBlocks = "f_blocks", lCh = "l_ch",
             lBlocks = "l_blocks", lDense = "l_dense", aGlobal = "a_global"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        aCh = try c.decode(Int.self, forKey: .aCh)
        aBlocks = try c.decode(Int.self, forKey: .aBlocks)
        fCh = try c.decode(Int.self, forKey: .fCh)
        fK = try c.decode(Int.self, forKey: .fK)
        fBlocks = try c.decode(Int.self, forKey: .fBlocks)
        lCh = try c.decode(Int.self, forKey: .lCh)
        lBlocks = try c.decode(Int.self, forKey: .lBlocks)
        lDense = try c.decode(Bool.self, forKey: .lDense)
        aGlobal = try c.decodeIfPresent(Bool.self, forKey: .aGlobal) ?? false  // version-1 files leave it out
    }

    /// The version a file with this configuration declares.
    public var architectureVersion: Int { aGlobal ? 2 : 1 }

    /// Reads and checks the metadata of a weights file.
    public init(metadata: [String: String], path: String) throws {
        guard metadata["arch"] == Self.architecture, let version = metadata["arch_version"].flatMap({ Int($0) }),
              Self.architectureVersions.contains(version) else {
            let found = "\(metadata["arch"] ?? "no architecture") v\(metadata["arch_version"] ?? "?")"
            throw WeightsError.unknownArchitecture(path: path, found: found)
        }
        guard let json = metadata["config"]?.data(using: .utf8) else {
            throw WeightsError.badConfiguration(path: path, reason: "no config in __metadata__")
        }
        do {
            self = try JSONDecoder().decode(LDFCNetConfig.self, from: json)
        } catch {
            throw WeightsError.badConfiguration(path: path, reason: "config is not an ldfc-net configuration")
        }
        guard version == architectureVersion else {
            throw WeightsError.badConfiguration(path: path, reason: "arch_version \(version) with a_global \(aGlobal)"
                                                + " (version 2 is the whole-frame context, version 1 is without it)")
        }
        guard [aCh, lCh].allSatisfy({ (1...1024).contains($0) }), (0...1024).contains(fCh), fCh > 0 || fBlocks == 0, [aBlocks, fBlocks, lBlocks].allSatisfy({ (0...64).contains($0) }),
              fK == 1 || fK == 3 else {
            throw WeightsError.badConfiguration(path: path, reason: "widths or block counts out of range")
        }
    }

    /// Every tensor of the network and its shape, in PyTorch's state-dict naming and layout
    /// (conv: O,I,KH,KW; depthwise: C,1,KH,KW; transposed conv: I,O,KH,KW).
    /// The real-time form: no full-resolution features; the body runs at 1/4 resolution.
    public var bodyAtQuarter: Bool { fCh == 0 }

    public var tensorShapes: [(String, [Int])] {
        var t: [(String, [Int])] = []
        func conv(_ name: String, _ o: Int, _ i: Int, _ k: Int) { t += [("\(name).weight", [o, i, k, k]), ("\(name).bias", [o])] }
        func ds(_ name: String, _ c: Int) { conv("\(name).dw", c, 1, 3); conv("\(name).pw", c, c, 1) }
        func res(_ name: String, _ c: Int) { conv("\(name).c1", c, c, 3); conv("\(name).c2", c, c, 3) }
        conv("a_down1", aCh, 3, 3)
        conv("a_down2", aCh, aCh, 3)
        for i in 0..<aBlocks { ds("a_blocks.\(i)", aCh) }
        if aGlobal { conv("a_global", aCh, aCh, 1) }
        conv("a_head", 3, aCh, 3)
        if bodyAtQuarter {
            conv("l_down", lCh, 9, 4)
        } else {
            conv("f_in", fCh, 9, fK)
            conv("l_down", lCh, fCh, 3)
        }
        conv("l_mod", 2 * lCh, 3, 1)
        for i in 0..<lBlocks { lDense ? res("l_blocks.\(i)", lCh) : ds("l_blocks.\(i)", lCh) }
        if bodyAtQuarter {
            t += [("l_out.weight", [lCh, 3, 4, 4]), ("l_out.bias", [3])]
        } else {
            t += [("l_up.weight", [lCh, fCh, 2, 2]), ("l_up.bias", [fCh])]
            for i in 0..<fBlocks { res("f_blocks.\(i)", fCh) }
            conv("f_out", 3, fCh, 1)
        }
        return t
    }

    /// How far (full-resolution pixels) an output depends on its input, with margin: phase A's
    /// illumination samples and phase B's features. Tiles need at least this much halo.
    public var receptiveRadius: Int {
        // Each k x k layer at a stride-product j widens the radius by (k / 2) * j.
        let phaseA = 1 + 2 + 4 * aBlocks + 4 + 4  // a_down1, a_down2, blocks at /4, head; one /4 sample
        let phaseB = bodyAtQuarter
            ? 4 + 4 + lBlocks * (lDense ? 8 : 4) + 4  // upsample, l_down, body at /4, l_out
            : 4 + fK / 2 + 1 + 4 + lBlocks * (lDense ? 4 : 2) + 2 + 2 * fBlocks  // upsamples, f_in, l_down, body, l_up, f_blocks
        return max(phaseA + 8, phaseB + 4)
    }

    public var parameterCount: Int {
        tensorShapes.reduce(0) { $0 + $1.1.reduce(1, *) }
    }

    /// One layer of the graph, for `sckd info` and the MAC count.
    public struct Layer: Sendable {
        public let name: String
        public let kind: String
        public let inChannels: Int
        public let outChannels: Int
        public let kernel: Int
        /// Output size.
        public let width: Int
        public let height: Int
        public let macs: Int
        public let parameters: Int
    }

    /// The layer table at an input size, with multiply-accumulates (fvcore convention: a conv
    /// output element costs in/groups x k x k MACs; elementwise work and resampling are free).
    public func layers(width w: Int, height h: Int) -> [Layer] {
        let w2 = (w + 1) / 2, h2 = (h + 1) / 2, w4 = (w2 + 1) / 2, h4 = (h2 + 1) / 2
        var out: [Layer] = []
        func add(_ name: String, _ kind: String, _ i: Int, _ o: Int, _ k: Int, _ ow: Int, _ oh: Int, groups: Int = 1) {
            let macs = ow * oh * o * (i / groups) * k * k
            out.append(Layer(name: name, kind: kind, inChannels: i, outChannels: o, kernel: k, width: ow, height: oh,
                             macs: macs, parameters: o * (i / groups) * k * k + o))
        }
        add("a_down1", "conv s2", 3, aCh, 3, w2, h2)
        add("a_down2", "conv s2", aCh, aCh, 3, w4, h4)
        for i in 0..<aBlocks {
            add("a_blocks.\(i).dw", "dwconv", aCh, aCh, 3, w4, h4, groups: aCh)
            add("a_blocks.\(i).pw", "conv+sum", aCh, aCh, 1, w4, h4)
        }
        if aGlobal { add("a_global", "mean+1x1+sum", aCh, aCh, 1, 1, 1) }
        add("a_head", "conv+sigmoid", aCh, 3, 3, w4, h4)
        let (bw, bh) = bodyAtQuarter ? (w4, h4) : (w2, h2)
        if bodyAtQuarter {
            add("l_down", "conv s4", 9, lCh, 4, w4, h4)
        } else {
            add("f_in", "conv", 9, fCh, fK, w, h)
            add("l_down", "conv s2", fCh, lCh, 3, w2, h2)
        }
        add("l_mod", "conv", 3, 2 * lCh, 1, bw, bh)
        for i in 0..<lBlocks {
            if lDense {
                add("l_blocks.\(i).c1", "conv", lCh, lCh, 3, bw, bh)
                add("l_blocks.\(i).c2", "conv+sum", lCh, lCh, 3, bw, bh)
            } else {
                add("l_blocks.\(i).dw", "dwconv", lCh, lCh, 3, bw, bh, groups: lCh)
                add("l_blocks.\(i).pw", "conv+sum", lCh, lCh, 1, bw, bh)
            }
        }
        if bodyAtQuarter {
            // A 4x4 stride-4 transposed conv: l_ch MACs per output element, 3 x 16 outputs per input.
            out.append(Layer(name: "l_out", kind: "deconv s4", inChannels: lCh, outChannels: 3, kernel: 4, width: w, height: h,
                             macs: w4 * h4 * lCh * 3 * 16, parameters: lCh * 3 * 16 + 3))
        } else {
            // A 2x2 stride-2 transposed conv: each output element gets l_ch MACs.
            out.append(Layer(name: "l_up", kind: "deconv s2", inChannels: lCh, outChannels: fCh, kernel: 2, width: w, height: h,
                             macs: w2 * h2 * lCh * fCh * 4, parameters: lCh * fCh * 4 + fCh))
            for i in 0..<fBlocks {
                add("f_blocks.\(i).c1", "conv", fCh, fCh, 3, w, h)
                add("f_blocks.\(i).c2", "conv+sum", fCh, fCh, 3, w, h)
            }
            add("f_out", "conv", fCh, 3, 1, w, h)
        }
        return out
    }

    public func macs(width: Int, height: Int) -> Int { layers(width: width, height: height).reduce(0) { $0 + $1.macs } }

    /// The layers of the table that an engine step computes (for the roofline of `sckd bench
    /// --profile`): the layer of that name, the layers under it (a fused block "l_blocks.0" is its
    /// .dw and .pw), and l_mod for the calibration pass, which evaluates that 1x1 convolution.
    /// Empty for steps that only move data (reorders, the fused elementwise passes).
    /// A step "a+b" fuses a and b and computes the layers of both; "a*" is part a of a fused step.
    public func layers(computedBy step: String, in table: [Layer]) -> [Layer] {
        let parts = step.replacingOccurrences(of: "*", with: "").split(separator: "+").map(String.init)
        return table.filter { layer in
            parts.contains { $0 == layer.name || layer.name.hasPrefix($0 + ".") || ($0 == "calibrate" && layer.name == "l_mod") }
        }
    }
}
