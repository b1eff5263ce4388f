import Foundation

/// Everything that can be wrong with a weights file, each naming the file.
public enum WeightsError: Error, CustomStringConvertible, Equatable {
    case missing(path: String)
    case unreadable(path: String, reason: String)
    case tooShort(path: String, size: Int)
    case headerBeyondFile(path: String, headerLength: UInt64, fileSize: Int)
    case invalidHeader(path: String, reason: String)
    case unknownDType(path: String, tensor: String, dtype: String)
    case unsupportedDType(path: String, tensor: String, dtype: String)
    case badOffsets(path: String, tensor: String, reason: String)
    case overlapping(path: String, first: String, second: String)
    case gap(path: String, reason: String)
    case missingTensor(path: String, tensor: String)
    case unexpectedTensor(path: String, tensor: String)
    case wrongShape(path: String, tensor: String, expected: [Int], found: [Int])
    case unknownArchitecture(path: String, found: String)
    case badConfiguration(path: String, reason: String)
    case nonFinite(path: String, tensor: String)
    case implausible(path: String, tensor: String, magnitude: Float)
    case otherNetwork(path: String, holds: String, asked: String)

    public var description: String {
        switch self {
        case let .missing(p): return "weights file '\(p)' does not exist"
        case let .unreadable(p, r): return "cannot read weights file '\(p)': \(r)"
        case let .tooShort(p, n): return "'\(p)' is not a safetensors file (\(n) bytes)"
        case let .headerBeyondFile(p, h, n): return "'\(p)' is truncated or corrupt: its header claims \(h) bytes but the file has \(n)"
        case let .invalidHeader(p, r): return "'\(p)' has an invalid safetensors header: \(r)"
        case let .unknownDType(p, t, d): return "'\(p)': tensor \(t) has unknown dtype '\(d)'"
        case let .unsupportedDType(p, t, d): return "'\(p)': tensor \(t) is \(d); LDFC-Net weights must be F32"
        case let .badOffsets(p, t, r): return "'\(p)': tensor \(t) has bad data offsets: \(r)"
        case let .overlapping(p, a, b): return "'\(p)': tensors \(a) and \(b) overlap"
        case let .gap(p, r): return "'\(p)' is corrupt: \(r)"
        case let .missingTensor(p, t): return "'\(p)' lacks tensor \(t)"
        case let .unexpectedTensor(p, t): return "'\(p)' has tensor \(t), which this architecture does not use"
        case let .wrongShape(p, t, e, f): return "'\(p)': tensor \(t) has shape \(f), expected \(e)"
        case let .unknownArchitecture(p, f): return "'\(p)' holds \(f), which this build of sckd does not know (it runs ldfc-net v\(LDFCNetConfig.architectureVersions.lowerBound)-\(LDFCNetConfig.architectureVersions.upperBound))"
        case let .badConfiguration(p, r): return "'\(p)' has a bad architecture configuration: \(r)"
        case let .nonFinite(p, t): return "'\(p)' is corrupt: tensor \(t) holds NaN or infinite values"
        case let .implausible(p, t, m): return "'\(p)' is corrupt: tensor \(t) holds a weight of magnitude \(m), far beyond any trained network's"
        case let .otherNetwork(p, h, a): return "'\(p)' holds \(h), not \(a): pick --model to match the weights (or other weights)"
        }
    }
}

/// A tensor of a safetensors file: its name, element type, shape and bytes.
public struct SafetensorsTensor {
    public let name: String
    public let dtype: String
    public let shape: [Int]
    /// Byte range inside the data section.
    public let range: Range<Int>
}

/// A parsed and fully validated safetensors file (https://github.com/huggingface/safetensors
/// format: u64 little-endian header length, JSON header, one contiguous data section).
///
/// Nothing in it is trusted before it is checked: the header length against the file size, the
/// JSON, every dtype and shape, every byte range (in bounds, sized as dtype x shape, no overlaps,
/// no gaps, no trailing bytes).
public struct SafetensorsFile {
    public let path: String
    public let metadata: [String: String]
    public let tensors: [String: SafetensorsTensor]
    private let bytes: Data
    private let dataStart: Int

    static let elementSizes: [String: Int] = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
        "U16": 2, "U32": 4, "U64": 8, "F8_E4M3": 1, "F8_E5M2": 1,
    ]
    static let maxHeaderLength: UInt64 = 100 << 20

    public init(path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw WeightsError.missing(path: path) }
        if isDir.boolValue { throw WeightsError.unreadable(path: path, reason: "is a directory") }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw WeightsError.unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        try self.init(path: path, bytes: data)
    }

    public init(path: String, bytes: Data) throws {
        self.path = path
        self.bytes = bytes
        guard bytes.count >= 8 else { throw WeightsError.tooShort(path: path, size: bytes.count) }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[bytes.startIndex + i]) << (8 * UInt64(i)) }
        guard headerLength <= Self.maxHeaderLength, 8 + headerLength <= UInt64(bytes.count) else {
            throw WeightsError.headerBeyondFile(path: path, headerLength: headerLength, fileSize: bytes.count)
        }
        dataStart = 8 + Int(headerLength)
        let headerBytes = bytes.subdata(in: (bytes.startIndex + 8)..<(bytes.startIndex + dataStart))
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerBytes)
        } catch {
            throw WeightsError.invalidHeader(path: path, reason: "not valid JSON")
        }
        guard let header = json as? [String: Any] else {
            throw WeightsError.invalidHeader(path: path, reason: "not a JSON object")
        }
        var metadata: [String: String] = [:]
        var tensors: [String: SafetensorsTensor] = [:]
        let dataSize = bytes.count - dataStart
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else {
                    throw WeightsError.invalidHeader(path: path, reason: "__metadata__ must map strings to strings")
                }
                metadata = m
                continue
            }
            tensors[name] = try Self.tensor(name, entry: value, dataSize: dataSize, path: path)
        }
        try Self.checkCoverage(of: tensors, dataSize: dataSize, path: path)
        self.metadata = metadata
        self.tensors = tensors
    }

    /// One header entry: dtype, shape and data offsets, checked against each other and against the
    /// data section.
    private static func tensor(_ name: String, entry value: Any, dataSize: Int, path: String) throws -> SafetensorsTensor {
        guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
              let shapeAny = entry["shape"] as? [Any], let offsetsAny = entry["data_offsets"] as? [Any] else {
            throw WeightsError.invalidHeader(path: path, reason: "tensor \(name) lacks dtype, shape or data_offsets")
        }
        guard let size = Self.elementSizes[dtype] else {
            throw WeightsError.unknownDType(path: path, tensor: name, dtype: dtype)
        }
        let shape = try shapeAny.map { v -> Int in
            guard let n = v as? Int, n >= 0 else {
                throw WeightsError.invalidHeader(path: path, reason: "tensor \(name) has a bad shape \(shapeAny)")
            }
            return n
        }
        let offsets = try offsetsAny.map { v -> Int in
            guard let n = v as? Int else { throw WeightsError.badOffsets(path: path, tensor: name, reason: "not integers") }
            return n
        }
        guard offsets.count == 2 else { throw WeightsError.badOffsets(path: path, tensor: name, reason: "need [begin, end]") }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, begin <= end, end <= dataSize else {
            throw WeightsError.badOffsets(path: path, tensor: name, reason: "[\(begin), \(end)] outside the \(dataSize)-byte data section")
        }
        let (count, overflow) = shape.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d)
            return (p, acc.1 || o)
        }
        guard !overflow, count * size == end - begin else {
            throw WeightsError.badOffsets(path: path, tensor: name, reason: "\(end - begin) bytes for \(dtype) \(shape)")
        }
        return SafetensorsTensor(name: name, dtype: dtype, shape: shape, range: begin..<end)
    }

    /// The data section must be covered exactly: sorted ranges, each starting where the last ended,
    /// the last ending at the end of the file.
    private static func checkCoverage(of tensors: [String: SafetensorsTensor], dataSize: Int, path: String) throws {
        let sorted = tensors.values.sorted { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) }
        var position = 0
        var previous: SafetensorsTensor?
        for t in sorted {
            if t.range.lowerBound < position, let p = previous {
                throw WeightsError.overlapping(path: path, first: p.name, second: t.name)
            }
            if t.range.lowerBound > position {
                throw WeightsError.gap(path: path, reason: "\(t.range.lowerBound - position) unused bytes before tensor \(t.name)")
            }
            position = t.range.upperBound
            previous = t
        }
        if position != dataSize {
            throw WeightsError.gap(path: path, reason: "\(dataSize - position) trailing bytes after the last tensor")
        }
    }

    /// The values of an F32 tensor, checked against the expected shape.
    public func floats(_ name: String, shape expected: [Int]) throws -> [Float] {
        guard let t = tensors[name] else { throw WeightsError.missingTensor(path: path, tensor: name) }
        guard t.dtype == "F32" else { throw WeightsError.unsupportedDType(path: path, tensor: name, dtype: t.dtype) }
        guard t.shape == expected else { throw WeightsError.wrongShape(path: path, tensor: name, expected: expected, found: t.shape) }
        let start = bytes.startIndex + dataStart + t.range.lowerBound
        var out = [Float](repeating: 0, count: t.range.count / 4)
        _ = out.withUnsafeMutableBytes { dst in
            bytes.copyBytes(to: dst, from: start..<(start + t.range.count))
        }
        // safetensors is little-endian, as is every machine we run on.
        return out
    }
}
