import Foundation
import XCTest

@testable import SCKDModel

/// Every way a weights file can be bad gets its own clear error naming the file.
final class WeightsValidationTests: XCTestCase {
    var dir = ""
    override func setUp() {
        dir = NSTemporaryDirectory() + "sckd-weights-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// A safetensors file from a raw header object and data bytes.
    func file(_ header: [String: Any], data: Data, headerLength: UInt64? = nil, rawHeader: Data? = nil) -> Data {
        let json = rawHeader ?? (try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        var out = Data()
        var n = (headerLength ?? UInt64(json.count)).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(json)
        out.append(data)
        return out
    }

    func expect(_ data: Data, _ check: (WeightsError) -> Bool, file: StaticString = #filePath, line: UInt = #line) {
        let path = "\(dir)/w.safetensors"
        try! data.write(to: URL(fileURLWithPath: path))
        do {
            _ = try LDFCNetWeights(path: path)
            XCTFail("accepted a bad file", file: file, line: line)
        } catch let e as WeightsError {
            XCTAssertTrue(check(e), "unexpected error: \(e)", file: file, line: line)
            XCTAssertTrue(e.description.contains(path), "the message names the file: \(e)", file: file, line: line)
            XCTAssertFalse(e.description.contains("\n"), file: file, line: line)
        } catch {
            XCTFail("not a WeightsError: \(error)", file: file, line: line)
        }
    }

    let twoTensors: [String: Any] = [
        "a": ["dtype": "F32", "shape": [2], "data_offsets": [0, 8]],
        "b": ["dtype": "F32", "shape": [1], "data_offsets": [8, 12]],
    ]

    func testMissingFile() {
        XCTAssertThrowsError(try LDFCNetWeights(path: "\(dir)/none.safetensors")) {
            XCTAssertEqual($0 as? WeightsError, .missing(path: "\(dir)/none.safetensors"))
        }
    }

    func testTruncatedFile() throws {
        let real = try Data(contentsOf: URL(fileURLWithPath: "\(weightsDirectory)/ldfc-net-rt.safetensors"))
        expect(real.prefix(real.count - 100)) { if case .badOffsets = $0 { return true }; return false }
        expect(real.prefix(5)) { if case .tooShort = $0 { return true }; return false }
    }

    func testHeaderLengthBeyondFile() {
        expect(file(twoTensors, data: Data(count: 12), headerLength: 1 << 40)) {
            if case .headerBeyondFile = $0 { return true }; return false
        }
    }

    func testInvalidJSON() {
        expect(file([:], data: Data(), rawHeader: Data("{\"a\": [1, 2".utf8))) {
            if case .invalidHeader = $0 { return true }; return false
        }
    }

    func testUnknownDType() {
        var h = twoTensors
        h["a"] = ["dtype": "F33", "shape": [2], "data_offsets": [0, 8]]
        expect(file(h, data: Data(count: 12))) { $0 == .unknownDType(path: "\(self.dir)/w.safetensors", tensor: "a", dtype: "F33") }
    }

    func testOverlappingOffsets() {
        var h = twoTensors
        h["b"] = ["dtype": "F32", "shape": [1], "data_offsets": [4, 8]]
        expect(file(h, data: Data(count: 8))) { if case .overlapping = $0 { return true }; return false }
    }

    func testOutOfRangeOffsets() {
        var h = twoTensors
        h["b"] = ["dtype": "F32", "shape": [1], "data_offsets": [8, 12]]
        expect(file(h, data: Data(count: 10))) { if case .badOffsets = $0 { return true }; return false }
        h["b"] = ["dtype": "F32", "shape": [2], "data_offsets": [8, 12]]  // size does not match the shape
        expect(file(h, data: Data(count: 12))) { if case .badOffsets = $0 { return true }; return false }
    }

    func testTrailingGarbage() {
        expect(file(twoTensors, data: Data(count: 20))) { if case .gap = $0 { return true }; return false }
    }

    /// A real version-1 file (the real-time fixture) rewritten with one change to its header.
    func rewrite(_ change: (inout [String: Any]) -> Void) throws -> Data {
        let real = try Data(contentsOf: URL(fileURLWithPath: "\(fixturesDirectory)/ldfc-net-rt.safetensors"))
        let n = Int(real.prefix(8).withUnsafeBytes { $0.load(as: UInt64.self) })
        var header = try JSONSerialization.jsonObject(with: real.subdata(in: 8..<(8 + n))) as! [String: Any]
        change(&header)
        return file(header, data: real.subdata(in: (8 + n)..<real.count))
    }

    func testWrongShape() throws {
        // Same byte count, different shape: only the architecture check can catch it.
        let data = try rewrite { h in
            var t = h["a_down1.weight"] as! [String: Any]
            t["shape"] = [16, 3, 9, 1]
            h["a_down1.weight"] = t
        }
        expect(data) { if case let .wrongShape(_, t, e, f) = $0 { return t == "a_down1.weight" && e == [16, 3, 3, 3] && f == [16, 3, 9, 1] }; return false }
    }

    func testUnknownArchitectureVersion() throws {
        let data = try rewrite { h in
            var m = h["__metadata__"] as! [String: String]
            m["arch_version"] = "7"
            h["__metadata__"] = m
        }
        expect(data) { if case let .unknownArchitecture(_, found) = $0 { return found.contains("v7") }; return false }
    }

    func testVersionMustMatchTheWholeFrameContext() throws {
        // A version-2 file is the network with phase A's whole-frame context; one without it (or a
        // version-1 file with it) is refused rather than run as another network.
        let data = try rewrite { h in
            var m = h["__metadata__"] as! [String: String]
            m["arch_version"] = "2"
            h["__metadata__"] = m
        }
        expect(data) { if case let .badConfiguration(_, reason) = $0 { return reason.contains("arch_version 2") }; return false }
        let g = try LDFCNetWeights(path: "\(fixturesDirectory)/ldfc-net-rt-g.safetensors")
        XCTAssertTrue(g.config.aGlobal)
        XCTAssertEqual(g.config.architectureVersion, 2)
        XCTAssertEqual(g.config.parameterCount, 25046 + 16 * 16 + 16)
    }

    func testValidFileLoads() throws {
        for model in ["ldfc-net", "ldfc-net-rt"] {  // the shipped files, whichever variant each holds
            let w = try LDFCNetWeights(path: "\(weightsDirectory)/\(model).safetensors")
            XCTAssertTrue(w.config.name.hasPrefix(model), w.config.name)
            XCTAssertEqual(w.config.parameterCount, w.config.tensorShapes.reduce(0) { $0 + $1.1.reduce(1, *) })
        }
    }

    /// The fixture with one float of tensor `name` replaced by `value`.
    func poisoned(_ name: String, with value: Float) throws -> Data {
        var real = try Data(contentsOf: URL(fileURLWithPath: "\(fixturesDirectory)/ldfc-net-rt.safetensors"))
        let n = Int(real.prefix(8).withUnsafeBytes { $0.load(as: UInt64.self) })
        let header = try JSONSerialization.jsonObject(with: real.subdata(in: 8..<(8 + n))) as! [String: Any]
        let start = ((header[name] as! [String: Any])["data_offsets"] as! [Int])[0] + 8 + n
        var v = value
        withUnsafeBytes(of: &v) { real.replaceSubrange(start..<(start + 4), with: $0) }
        return real
    }

    func testNonFiniteWeightsAreRefusedByName() throws {
        for value in [Float.nan, .infinity, -.infinity] {
            expect(try poisoned("l_mod.bias", with: value)) { $0 == .nonFinite(path: "\(self.dir)/w.safetensors", tensor: "l_mod.bias") }
        }
    }

    func testOverflowingWeightsAreRefused() throws {
        expect(try poisoned("a_head.weight", with: 1e38)) {
            if case let .implausible(_, t, m) = $0 { return t == "a_head.weight" && m == 1e38 }; return false
        }
        // A large but ordinary value is not.
        let path = "\(dir)/ok.safetensors"
        try poisoned("a_head.weight", with: 50).write(to: URL(fileURLWithPath: path))
        XCTAssertNoThrow(try LDFCNetWeights(path: path))
    }
}
