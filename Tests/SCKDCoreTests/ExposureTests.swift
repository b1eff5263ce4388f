import Foundation
import XCTest

@testable import SCKDCore

/// Exposure in linear light: what the pipeline's stabilisation gain and the engines' fused pass do.
final class ExposureTests: XCTestCase {
    private func linear(_ v: Double) -> Double { v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4) }
    private func srgb(_ l: Double) -> Double { l <= 0.0031308 ? l * 12.92 : 1.055 * pow(l, 1 / 2.4) - 0.055 }

    private func ramp(_ n: Int) -> PlanarImage {
        let x = PlanarImage(width: n, height: 1, channels: 1)
        for i in 0..<n { x.data[i] = Float(i) / Float(n - 1) }
        return x
    }

    func testExposedFollowsTheSRGBCurveInLinearLight() {
        let x = ramp(4001)
        for gain: Float in [0.5, 0.6, 0.87, 1.15, 1.3, 2.0] {
            let e = x.exposed(by: gain)
            var worst = 0.0
            for i in 0..<x.count {
                let exact = min(1, srgb(Double(gain) * linear(Double(x.data[i]))))
                worst = max(worst, abs(Double(e.data[i]) - exact))
            }
            XCTAssertLessThan(worst, 2e-3, "gain \(gain)")  // half an 8-bit level, at the knee of the toe
        }
        let same = x.exposed(by: 1)
        XCTAssertTrue((0..<x.count).allSatisfy { same.data[$0] == x.data[$0] })
    }

    func testExposedIsNotACodedValueGain() {
        // On the dark toe a 2x exposure doubles the coded value; higher up it raises it by ~2^(1/2.4).
        let x = PlanarImage(width: 2, height: 1, channels: 1)
        x.data[0] = 0.01
        x.data[1] = 0.4
        let e = x.exposed(by: 2)
        XCTAssertEqual(e.data[0], 0.02, accuracy: 1e-5)
        XCTAssertEqual(Double(e.data[1]), srgb(2 * linear(0.4)), accuracy: 1e-4)
        XCTAssertLessThan(e.data[1], 0.4 * 1.4)
    }

    func testLinearLightMeanScalesWithExposure() {
        let x = PlanarImage(width: 640, height: 480)
        var seed: UInt64 = 3
        for i in 0..<x.count {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            x.data[i] = Float(seed >> 40) / Float(1 << 24) * 0.5
        }
        var exact = 0.0
        for i in 0..<x.count { exact += linear(Double(x.data[i])) }
        exact /= Double(x.count)
        XCTAssertEqual(x.linearLightMean(), exact, accuracy: exact * 0.01, "sampled, within 1 %")
        // Exposing 1.5x (nothing clips below 0.5 coded) multiplies the linear mean by 1.5.
        XCTAssertEqual(x.exposed(by: 1.5).linearLightMean() / x.linearLightMean(), 1.5, accuracy: 0.005)
    }

    func testCellMeansMeasureEachRegionInLinearLight() {
        // Left half 0.2, right half 0.6 (coded): a 2x1 grid sees each half's linear light.
        let x = PlanarImage(width: 64, height: 32)
        for c in 0..<3 { for y in 0..<32 { for i in 0..<64 { x[c, y, i] = i < 32 ? 0.2 : 0.6 } } }
        let cells = x.cellMeans(columns: 2, rows: 1, linearLight: true)
        XCTAssertEqual(cells.count, 2)
        XCTAssertEqual(Double(cells[0]), linear(0.2), accuracy: 1e-3)
        XCTAssertEqual(Double(cells[1]), linear(0.6), accuracy: 1e-3)
        let coded = x.cellMeans(columns: 2, rows: 1, linearLight: false)
        XCTAssertEqual(coded[0], 0.2, accuracy: 1e-5)
        // More cells than samples: one cell per column and row at most.
        XCTAssertEqual(PlanarImage(width: 4, height: 2).cellMeans(columns: 16, rows: 9, linearLight: true).count, 8)
    }

    func testCellMeansAgreeWithAPlainCountOnOddSizes() {
        // Every other sample of every other row (x, y = 1, 3, ...; 0 where the picture is 1 wide
        // or high), each cell the mean of the samples whose position falls in it.
        for (w, h) in [(1, 1), (1, 7), (7, 1), (37, 23), (64, 36), (5, 3)] {
            let x = PlanarImage(width: w, height: h)
            for i in 0..<x.count { x.data[i] = Float((i * 7919) % 1000) / 1000 }
            for linearLight in [false, true] {
                let cols = min(16, w), rows = min(9, h)
                var sums = [Double](repeating: 0, count: cols * rows), counts = [Double](repeating: 0, count: cols * rows)
                for c in 0..<3 {
                    for y in stride(from: 1 % h, to: h, by: 2) {
                        for i in stride(from: 1 % w, to: w, by: 2) {
                            let v = Double(x[c, y, i])
                            sums[(y * rows / h) * cols + i * cols / w] += linearLight ? linear(v) : v
                            counts[(y * rows / h) * cols + i * cols / w] += 1
                        }
                    }
                }
                let got = x.cellMeans(columns: 16, rows: 9, linearLight: linearLight)
                XCTAssertEqual(got.count, cols * rows)
                for k in 0..<got.count {
                    XCTAssertEqual(Double(got[k]), counts[k] > 0 ? sums[k] / counts[k] : 0, accuracy: 1e-4, "\(w)x\(h) cell \(k)")
                }
            }
        }
    }
}
