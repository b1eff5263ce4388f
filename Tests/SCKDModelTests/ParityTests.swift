import Foundation
import SCKDCore
import XCTest

@testable import SCKDModel

/// The repository's Weights/ folder.
let weightsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Weights").path

func image(from values: [Float], width: Int, height: Int, channels: Int = 3) -> PlanarImage {
    let img = PlanarImage(width: width, height: height, channels: channels)
    values.withUnsafeBufferPointer { img.data.update(from: $0.baseAddress!, count: values.count) }
    return img
}

/// Seeded exports of every network the engine knows, with every parameter perturbed, so that its
/// tests cover each architecture whatever `Weights/` ships (`cd Training && python3 export.py --random
/// --only ldfc-net --only ldfc-net-rt --only ldfc-net-rt-g --only ldfc-net-g --out ../Tests/SCKDModelTests/Fixtures`).
let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

/// Every network the engine runs and the folder its weights file is in: the shipped two, and the
/// fixtures of both bodies without (architecture version 1) and with the whole-frame context (2).
let engineNetworks = [("ldfc-net", weightsDirectory), ("ldfc-net-rt", weightsDirectory),
                      ("ldfc-net", fixturesDirectory), ("ldfc-net-rt", fixturesDirectory),
                      ("ldfc-net-rt-g", fixturesDirectory), ("ldfc-net-g", fixturesDirectory)]

/// Training/count.py's parameter count of each configuration.
let trainingSideParameters = ["ldfc-net": 46182, "ldfc-net-rt": 25046, "ldfc-net-rt-g": 25318, "ldfc-net-g": 46454]

/// fp32 outputs of the oneDNN engine against PyTorch's golden tensors (Training/export.py).
final class ParityTests: XCTestCase {
    func checkParity(_ model: String, in directory: String = weightsDirectory) throws {
        let weights = try LDFCNetWeights(path: "\(directory)/\(model).safetensors")
        let golden = try SafetensorsFile(path: "\(directory)/golden-\(model).safetensors")
        let engine = try LDFCNetEngine(weights: weights, threads: 2)
        let sizes = golden.tensors.keys.filter { $0.hasPrefix("input_") }.map { String($0.dropFirst(6)) }.sorted()
        XCTAssertGreaterThanOrEqual(sizes.count, 3)
        for size in sizes {
            let wh = size.split(separator: "x").map { Int($0)! }
            let (w, h) = (wh[0], wh[1])
            let (w4, h4) = LDFCNetEngine.illuminationSize(width: w, height: h)
            let x = image(from: try golden.floats("input_\(size)", shape: [1, 3, h, w]), width: w, height: h)
            let goldenL = try golden.floats("illumination_\(size)", shape: [1, 3, h4, w4])
            let goldenY = try golden.floats("output_\(size)", shape: [1, 3, h, w])
            let L = try engine.estimateIllumination(x)
            var errL: Float = 0
            for i in 0..<goldenL.count { errL = max(errL, abs(L.data[i] - goldenL[i])) }
            XCTAssertLessThanOrEqual(errL, 1e-4, "\(model) phase A at \(size)")
            // Phase B from the golden illumination (so the phases are tested separately) …
            let y = try engine.enhance(x, illumination: image(from: goldenL, width: w4, height: h4))
            var errY: Float = 0
            for i in 0..<goldenY.count { errY = max(errY, abs(y.data[i] - goldenY[i])) }
            XCTAssertLessThanOrEqual(errY, 1e-4, "\(model) phase B at \(size)")
            // … and end to end.
            let y2 = try engine.enhance(x)
            var err2: Float = 0
            for i in 0..<goldenY.count { err2 = max(err2, abs(y2.data[i] - goldenY[i])) }
            XCTAssertLessThanOrEqual(err2, 1e-4, "\(model) end to end at \(size)")
        }
    }

    func testQualityStudentMatchesPyTorch() throws { try checkParity("ldfc-net") }
    func testRealTimeStudentMatchesPyTorch() throws { try checkParity("ldfc-net-rt") }
    /// Architecture version 2: phase A's whole-frame context.
    func testLocalStudentsMatchPyTorch() throws {
        try checkParity("ldfc-net", in: fixturesDirectory)
        try checkParity("ldfc-net-rt", in: fixturesDirectory)
    }
    func testWholeFrameStudentMatchesPyTorch() throws { try checkParity("ldfc-net-rt-g", in: fixturesDirectory) }
    func testWholeFrameQualityStudentMatchesPyTorch() throws { try checkParity("ldfc-net-g", in: fixturesDirectory) }

    func testWholeFrameContextChangesTheIlluminationFarAway() throws {
        // Brightening the right quarter of the frame moves the illumination at the left edge only
        // through the whole-frame means (phase A's local part sees 31 pixels): the global path runs.
        let engine = try LDFCNetEngine(weights: LDFCNetWeights(path: "\(fixturesDirectory)/ldfc-net-rt-g.safetensors"), threads: 2)
        let (w, h) = (256, 64)
        let dark = PlanarImage(width: w, height: h, channels: 3, filledWith: 0.05)
        let lit = PlanarImage(width: w, height: h, channels: 3, filledWith: 0.05)
        for c in 0..<3 { for y in 0..<h { for x in (3 * w / 4)..<w { lit[c, y, x] = 0.6 } } }
        let a = try engine.estimateIllumination(dark), b = try engine.estimateIllumination(lit)
        XCTAssertGreaterThan(abs(a[0, 8, 0] - b[0, 8, 0]), 1e-5)  // 5e-5 with the fixture's small random weights
        let local = try LDFCNetEngine(weights: LDFCNetWeights(path: "\(fixturesDirectory)/ldfc-net-rt.safetensors"), threads: 2)
        XCTAssertEqual(try local.estimateIllumination(dark)[0, 8, 0], try local.estimateIllumination(lit)[0, 8, 0])
    }

    func testParameterCountAgreesWithTrainingSide() throws {
        for (model, directory) in engineNetworks {
            let config = try LDFCNetWeights(path: "\(directory)/\(model).safetensors").config
            XCTAssertEqual(config.parameterCount, trainingSideParameters[config.name], "\(directory)/\(model)")
        }
    }
}

/// bf16 against fp32 on the same weights and inputs.
final class BF16Tests: XCTestCase {
    func testBF16IsWithin45dBOfFP32() throws {
        guard Precision.bf16.isSupported else { throw XCTSkip("this CPU has no AVX-512: oneDNN runs no bf16 convolutions") }
        for (model, directory) in engineNetworks {
            let weights = try LDFCNetWeights(path: "\(directory)/\(model).safetensors")
            let golden = try SafetensorsFile(path: "\(directory)/golden-\(model).safetensors")
            let fp32 = try LDFCNetEngine(weights: weights, threads: 2)
            let bf16 = try LDFCNetEngine(weights: weights, threads: 2, precision: .bf16)
            for (w, h) in [(37, 29), (130, 97)] {
                let x = image(from: try golden.floats("input_\(w)x\(h)", shape: [1, 3, h, w]), width: w, height: h)
                let a = try fp32.enhance(x), b = try bf16.enhance(x)
                var se = 0.0
                for i in 0..<a.count { let d = Double(a.data[i] - b.data[i]); se += d * d }
                let psnr = 10 * log10(1 / max(se / Double(a.count), 1e-12))
                XCTAssertGreaterThanOrEqual(psnr, 45, "\(model) \(w)x\(h): bf16 vs fp32 \(psnr) dB")
                print("bf16 vs fp32, \(model) \(w)x\(h): \(String(format: "%.1f", psnr)) dB")
            }
        }
    }
}
