import SCKDCore
import XCTest

@testable import SCKDClassic

final class ClassicRetinexTests: XCTestCase {
    /// A dark, noisy, textured test picture (deterministic).
    func darkPicture(width: Int = 97, height: Int = 61) -> PlanarImage {
        let img = PlanarImage(width: width, height: height)
        var seed: UInt64 = 42
        for c in 0..<3 {
            for y in 0..<height {
                for x in 0..<width {
                    seed = seed &* 6364136223846793005 &+ 1442695040888963407
                    let noise = Float(seed >> 40) / Float(1 << 24) * 0.02
                    let base: Float = x < width / 2 ? 0.05 : 0.15
                    img[c, y, x] = base * Float(c + 1) / 3 + noise
                }
            }
        }
        return img
    }

    func testRaisesLuminanceWithinRange() throws {
        let dark = darkPicture()
        let out = try ClassicRetinexEnhancer(strength: 0.75).enhance(dark)
        XCTAssertEqual(out.width, dark.width)
        XCTAssertEqual(out.height, dark.height)
        XCTAssertGreaterThan(out.meanCodedLuma(), dark.meanCodedLuma() * 2.5)
        for i in 0..<out.count {
            XCTAssertFalse(out.data[i].isNaN)
            XCTAssertTrue((0...1).contains(out.data[i]), "sample \(i) = \(out.data[i])")
        }
    }

    func testStrengthZeroIsIdentityAndStrengthIsMonotonic() throws {
        let dark = darkPicture()
        let same = try ClassicRetinexEnhancer(strength: 0).enhance(dark)
        for i in 0..<dark.count { XCTAssertEqual(same.data[i], dark.data[i], accuracy: 1e-6) }
        let lumas = try [0.25, 0.5, 0.75, 1.0].map { try ClassicRetinexEnhancer(strength: Float($0)).enhance(dark).meanCodedLuma() }
        XCTAssertEqual(lumas, lumas.sorted())
        XCTAssertLessThan(lumas[0], lumas[3])
    }

    func testKeepsHueAndProtectsHighlights() throws {
        // A bright saturated pixel stays in [0,1] and keeps its channel order; black stays black.
        let img = PlanarImage(width: 16, height: 16)
        for y in 0..<16 { for x in 0..<16 { img[0, y, x] = 0.9; img[1, y, x] = 0.5; img[2, y, x] = 0.1 } }
        let out = try ClassicRetinexEnhancer(strength: 1).enhance(img)
        XCTAssertLessThanOrEqual(out[0, 8, 8], 1)
        XCTAssertGreaterThan(out[0, 8, 8], out[1, 8, 8])
        XCTAssertGreaterThan(out[1, 8, 8], out[2, 8, 8])
        let black = try ClassicRetinexEnhancer().enhance(PlanarImage(width: 9, height: 7))
        XCTAssertEqual(black.mean(), 0)
    }

    func testIlluminationIsReducedResolutionAndSmooth() throws {
        let dark = darkPicture(width: 640, height: 480)
        let L = try ClassicRetinexEnhancer(blockSize: 8).estimateIllumination(dark)
        XCTAssertEqual(L.width, 80)
        XCTAssertEqual(L.height, 60)
        XCTAssertEqual(L.channels, 1)
        // 1x1 and odd-sized pictures work.
        _ = try ClassicRetinexEnhancer().enhance(PlanarImage(width: 1, height: 1, filledWith: 0.2))
        _ = try ClassicRetinexEnhancer().enhance(darkPicture(width: 13, height: 3))
    }

    func testBilinearUpsampleOfConstantIsConstant() {
        let L = PlanarImage(width: 5, height: 3, channels: 1, filledWith: 0.3)
        let up = upsampleBilinear(L, width: 37, height: 29)
        XCTAssertTrue(up.allSatisfy { abs($0 - 0.3) < 1e-6 })
    }
}
