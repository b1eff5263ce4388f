import CSCKDModelKernels
import Foundation
import SCKDCore
import XCTest

@testable import SCKDModel

/// The fused C kernels (`sckd_ldfc_ds_block`: a depthwise-separable block in one pass;
/// `sckd_ldfc_body_input`: the real-time body's prepare + l_down + calibration) against the same
/// layers as oneDNN primitives, which is what runs on a CPU without AVX-512 bf16.
final class FusedBlockTests: XCTestCase {
    /// A picture with detail at every scale, so that every tap and channel matters.
    func picture(width: Int, height: Int) -> PlanarImage {
        let img = PlanarImage(width: width, height: height, channels: 3)
        for c in 0..<3 {
            for y in 0..<height {
                for x in 0..<width {
                    let v = 0.5 + 0.25 * sin(Float(x) * 0.37 + Float(c)) * cos(Float(y) * 0.23) + 0.2 * Float((x * 7 + y * 13 + c) % 5) / 5
                    img.data[(c * height + y) * width + x] = 0.3 * v
                }
            }
        }
        return img
    }

    func engines(_ model: String, _ precision: Precision, in directory: String = weightsDirectory) throws
        -> (fused: LDFCNetEngine, primitives: LDFCNetEngine) {
        guard sckd_ldfc_ds_block_available(48, precision == .bf16 ? 1 : 0) != 0 else {
            throw XCTSkip("this CPU has no AVX-512 bf16: the engine runs the blocks as primitives only")
        }
        let weights = try LDFCNetWeights(path: "\(directory)/\(model).safetensors")
        return (try LDFCNetEngine(weights: weights, threads: 2, precision: precision),
                try LDFCNetEngine(weights: weights, threads: 2, precision: precision, fusedBlocks: false))
    }

    /// Frame sizes whose quarter-resolution maps are 1 pixel, narrower than a register block, and
    /// a register block plus a remainder.
    let sizes = [(1, 1), (5, 3), (37, 29), (130, 97)]

    func testFusedBlocksRunWhereTheCPUAllows() throws {
        let (fused, primitives) = try engines("ldfc-net-rt", .fp32)
        let names = try fused.implementations(width: 64, height: 48).map(\.0)
        XCTAssertTrue(names.contains("l_blocks+l_out") && names.contains("a_blocks"), "\(names)")
        XCTAssertTrue(names.contains("prepare+l_down+calibrate"), "\(names)")
        XCTAssertFalse(names.contains("l_blocks.0.dw") || names.contains("l_down"))
        let unfused = try primitives.implementations(width: 64, height: 48).map(\.0)
        XCTAssertTrue(unfused.contains("l_blocks.0.dw") && unfused.contains("l_down"), "\(unfused)")
    }

    func testFusedEqualsPrimitivesInFP32() throws {
        for (model, directory) in engineNetworks {
            let (fused, primitives) = try engines(model, .fp32, in: directory)
            for (w, h) in sizes {
                let x = picture(width: w, height: h)
                let La = try fused.estimateIllumination(x), Lb = try primitives.estimateIllumination(x)
                var errL: Float = 0
                for i in 0..<La.count { errL = max(errL, abs(La.data[i] - Lb.data[i])) }
                XCTAssertLessThanOrEqual(errL, 1e-5, "\(model) phase A at \(w)x\(h)")
                let a = try fused.enhance(x, illumination: Lb), b = try primitives.enhance(x, illumination: Lb)
                var err: Float = 0
                for i in 0..<a.count { err = max(err, abs(a.data[i] - b.data[i])) }
                XCTAssertLessThanOrEqual(err, 1e-5, "\(model) phase B at \(w)x\(h)")
            }
        }
    }

    /// The two bf16 paths round at different points, so they can differ by as much as bf16 differs
    /// from fp32: the fused one must agree with the primitives within 50 dB, or within 1 dB of the
    /// primitives' own bf16 error where that is larger (the seeded ldfc-net-g fixture: 49 dB against
    /// fp32 either way, while the fused path is as close to fp32 as the primitives, 49.0-49.2 dB).
    func testFusedEqualsPrimitivesInBF16() throws {
        func psnr(_ a: PlanarImage, _ b: PlanarImage) -> Double {
            var se = 0.0
            for i in 0..<a.count { let d = Double(a.data[i] - b.data[i]); se += d * d }
            return 10 * log10(1 / max(se / Double(a.count), 1e-12))
        }
        for (model, directory) in engineNetworks {
            let (fused, primitives) = try engines(model, .bf16, in: directory)
            let fp32 = try engines(model, .fp32, in: directory).primitives
            for (w, h) in sizes {
                let x = picture(width: w, height: h)
                let a = try fused.enhance(x), b = try primitives.enhance(x)
                let bound = min(50, psnr(b, try fp32.enhance(x)) - 1)
                XCTAssertGreaterThanOrEqual(psnr(a, b), bound, "\(model) \(w)x\(h): fused vs primitives in bf16")
            }
        }
    }
}
