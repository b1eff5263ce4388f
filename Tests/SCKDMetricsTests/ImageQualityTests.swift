import Foundation
import XCTest

@testable import SCKDMetrics

final class ImageQualityTests: XCTestCase {
    func picture(_ w: Int, _ h: Int, _ f: (Int, Int, Int) -> Double) -> RGB8Picture {
        RGB8Picture(width: w, height: h, planes: (0..<3).map { c in (0..<(w * h)).map { f(c, $0 % w, $0 / w) } })
    }

    func testIdenticalPictures() {
        let a = picture(20, 16) { c, x, y in Double((x * 7 + y * 3 + c * 50) % 256) }
        XCTAssertEqual(ImageQuality.psnr(a, a), .infinity)
        XCTAssertEqual(ImageQuality.ssim(a, a), 1, accuracy: 1e-12)
    }

    func testKnownOffset() {
        let a = picture(16, 16) { c, x, y in Double(100 + (x + y + c) % 20) }
        let b = picture(16, 16) { c, x, y in Double(110 + (x + y + c) % 20) }
        XCTAssertEqual(ImageQuality.psnr(a, b), 20 * log10(255.0 / 10), accuracy: 1e-9)
        // A constant offset leaves contrast and structure alone: SSIM only loses its luminance term.
        let s = ImageQuality.ssim(a, b)
        XCTAssertLessThan(s, 1)
        XCTAssertGreaterThan(s, 0.95)
    }

    func testKnownNoise() {
        // +-5 alternating: MSE 25 exactly.
        let a = picture(32, 24) { _, _, _ in 128 }
        let b = picture(32, 24) { _, x, y in (x + y) % 2 == 0 ? 133 : 123 }
        XCTAssertEqual(ImageQuality.psnr(a, b), 10 * log10(255.0 * 255 / 25), accuracy: 1e-9)
    }

    func testGTMeanRescalesBrightness() {
        let gt = picture(16, 16) { c, x, _ in Double(60 + x * 4 + c) }
        let dark = picture(16, 16) { c, x, _ in Double(60 + x * 4 + c) / 2 }
        XCTAssertGreaterThan(ImageQuality.gtMeanPSNR(dark, gt), ImageQuality.psnr(dark, gt) + 10)
    }

    func testGaussianKernelMatchesScipy() {
        // scipy.ndimage.gaussian_filter(sigma=1.5, truncate=3.5): radius 5, 11 taps.
        XCTAssertEqual(ImageQuality.kernel.count, 11)
        XCTAssertEqual(ImageQuality.kernel[5], 0.26601172486179436, accuracy: 1e-12)  // gaussian_filter1d of a unit impulse
    }
}
