import Foundation

/// The weights of an LDFC-Net: the configuration from the file's metadata and every tensor,
/// checked for presence and shape, with nothing left over.
public final class LDFCNetWeights: @unchecked Sendable {
    public let path: String
    public let config: LDFCNetConfig
    public let metadata: [String: String]
    let tensors: [String: [Float]]

    public convenience init(path: String) throws {
        let file = try SafetensorsFile(path: path)
        try self.init(file: file)
    }

    public init(file: SafetensorsFile) throws {
        path = file.path
        metadata = file.metadata
        config = try LDFCNetConfig(metadata: file.metadata, path: file.path)
        var t: [String: [Float]] = [:]
        let shapes = config.tensorShapes
        for (name, shape) in shapes {
            let values = try file.floats(name, shape: shape)
            // Weights that would only ever write black or white frames are refused here, by name,
            // instead of running silently.
            var largest: Float = 0
            for v in values {
                guard v.isFinite else { throw WeightsError.nonFinite(path: file.path, tensor: name) }
                largest = max(largest, abs(v))
            }
            if largest > Self.largestPlausibleWeight {
                throw WeightsError.implausible(path: file.path, tensor: name, magnitude: largest)
            }
            t[name] = values
        }
        let known = Set(shapes.map(\.0))
        if let extra = file.tensors.keys.sorted().first(where: { !known.contains($0) }) {
            throw WeightsError.unexpectedTensor(path: path, tensor: extra)
        }
        tensors = t
    }

    /// Trained LDFC-Nets stay within a few units; anything near this is corruption or an overflow.
    public static let largestPlausibleWeight: Float = 1000

    /// Steps the weights were trained for (0: an untrained export, for engine work only).
    public var trainedSteps: Int { Int(metadata["trained_steps"] ?? "") ?? -1 }

    subscript(_ name: String) -> [Float] { tensors[name]! }
}
