import Foundation
import SCKDCore
import XCTest

@testable import SCKDPipeline

final class TemporalSmootherTests: XCTestCase {
    /// A static illumination map (a soft gradient) at exposure `k`, with a little noise.
    func map(_ k: Float, blobAt: Int? = nil, rng: inout SeededGenerator) -> PlanarImage {
        let L = PlanarImage(width: 32, height: 18, channels: 3)
        for c in 0..<3 {
            for y in 0..<18 {
                for x in 0..<32 {
                    var v = (0.1 + 0.2 * Float(x) / 32) * k
                    if let b = blobAt, abs(x - b) < 3, abs(y - 9) < 3 { v = 0.8 * k }
                    L[c, y, x] = v * (1 + Float.random(in: -0.01...0.01, using: &rng))
                }
            }
        }
        return L
    }

    func std(_ v: [Double]) -> Double {
        let m = v.reduce(0, +) / Double(v.count)
        return (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count)).squareRoot()
    }

    func testStrengthZeroIsPerFrameExactly() {
        var rng = SeededGenerator()
        let s = TemporalSmoother(strength: 0)
        for i in 0..<5 {
            let L = map(1 + Float(i) * 0.1, rng: &rng)
            let out = s.smooth(L)
            XCTAssertTrue(out === L)
        }
    }

    /// The output brightness of a Retinex enhancer (input / illumination) for a static scene whose
    /// exposure jitters by +-15 % and whose illumination estimate has +-4 % frame-to-frame noise of
    /// its own: smoothed, the output flickers at least 5x less than per frame.
    func testOutputFlickerIsAtLeastFiveFoldLower() {
        var rng = SeededGenerator()
        let s = TemporalSmoother(strength: 0.8)
        var perFrame: [Double] = [], smoothed: [Double] = []
        let sceneMean = 0.05
        for _ in 0..<300 {
            let k = 1 + Float.random(in: -0.15...0.15, using: &rng)
            let noise = 1 + Float.random(in: -0.04...0.04, using: &rng)
            let L = map(k * noise, rng: &rng)
            let input = sceneMean * Double(k)
            perFrame.append(input / L.mean())
            smoothed.append(input / s.smooth(L, inputMean: input).mean())
        }
        let diff = { (v: [Double]) in zip(v.dropFirst(), v).map { $0 - $1 } }
        let ratio = std(diff(Array(perFrame.dropFirst(20)))) / std(diff(Array(smoothed.dropFirst(20))))
        XCTAssertGreaterThanOrEqual(ratio, 5, "flicker reduction \(ratio)x")
        XCTAssertEqual(s.exposureSteps, 0, "jitter is not mistaken for a step")
    }

    /// A learned phase B: what it sees is the picture scaled by `lastGain` with the map handed
    /// over; both must be steady under ±15 % jitter, and a real step must still get through.
    func testInputStabilisationSteadiesWhatPhaseBSees() {
        var rng = SeededGenerator()
        let s = TemporalSmoother(strength: 0.8, stabiliseInput: true)
        var raw: [Double] = [], seen: [Double] = [], maps: [Double] = []
        let sceneMean = 0.05
        for i in 0..<300 {
            let step: Float = i >= 200 ? 2 : 1
            let k = step * (1 + Float.random(in: -0.15...0.15, using: &rng))
            let L = map(k, rng: &rng)
            let input = sceneMean * Double(k)
            let out = s.smooth(L, inputMean: input)
            raw.append(input)
            seen.append(input * Double(s.lastGain))
            maps.append(out.mean())
        }
        let diff = { (v: [Double]) in zip(v.dropFirst(), v).map { $0 - $1 } }
        let steady = 20..<200
        let ratio = std(diff(Array(raw[steady]))) / std(diff(Array(seen[steady])))
        XCTAssertGreaterThanOrEqual(ratio, 5, "input jitter reduction \(ratio)x")
        XCTAssertLessThan(std(diff(Array(maps[steady]))) / (maps[steady].reduce(0, +) / Double(steady.count)), 0.02)
        XCTAssertEqual(s.exposureSteps, 1)
        let after = seen[215...].reduce(0, +) / Double(seen[215...].count)
        XCTAssertEqual(after / (2 * sceneMean), 1, accuracy: 0.1, "the step is followed, not stabilised away")
        let off = TemporalSmoother(strength: 0, stabiliseInput: true)
        _ = off.smooth(map(1, rng: &rng), inputMean: 0.05)
        XCTAssertEqual(off.lastGain, 1, "strength 0 is per-frame")
    }

    /// Stabilising in linear light, the exposure measure moves ~2.4x as far in log terms as the
    /// sRGB-coded mean does: an auto-exposure hunting by ±25 % is still no step; a doubling is.
    func testLinearLightJitterIsNoStepButADoublingIs() {
        var rng = SeededGenerator()
        let s = TemporalSmoother(strength: 0.8, stabiliseInput: true)
        for _ in 0..<300 {
            let k = 1 + Float.random(in: -0.25...0.25, using: &rng)
            _ = s.smooth(map(k, rng: &rng), inputMean: 0.05 * Double(k))
        }
        XCTAssertEqual(s.exposureSteps, 0)
        for _ in 0..<10 { _ = s.smooth(map(2, rng: &rng), inputMean: 0.1) }
        XCTAssertEqual(s.exposureSteps, 1)
    }

    func testExposureStepIsFollowedWithinTenFrames() {
        var rng = SeededGenerator()
        let s = TemporalSmoother(strength: 0.8)
        for _ in 0..<30 { _ = s.smooth(map(1, rng: &rng), inputMean: 0.05) }
        // The light doubles: the illumination handed to phase B must double with it (so that the
        // output keeps its brightness) within 10 frames.
        let target = map(2, rng: &rng).mean()
        var settledAt: Int?
        var outside = 0
        for i in 0..<30 {
            let m = s.smooth(map(2, rng: &rng), inputMean: 0.1).mean()
            if abs(m - target) / target < 0.05 { if settledAt == nil { settledAt = i + 1 } } else if settledAt != nil { outside += 1 }
        }
        XCTAssertLessThanOrEqual(settledAt ?? 99, 10, "settled after \(settledAt ?? -1) frames")
        XCTAssertEqual(outside, 0, "and stays settled")
    }

    func testMovingRegionsFollowAtOnce() {
        var rng = SeededGenerator()
        let s = TemporalSmoother(strength: 1)
        for _ in 0..<20 { _ = s.smooth(map(1, blobAt: 8, rng: &rng)) }
        let moved = map(1, blobAt: 20, rng: &rng)
        let out = s.smooth(moved)
        // At the blob's new place the smoothed map is already within 15 % of the input, and where
        // it left, the old value has gone.
        XCTAssertEqual(out[0, 9, 20], moved[0, 9, 20], accuracy: moved[0, 9, 20] * 0.15)
        XCTAssertEqual(out[0, 9, 8], moved[0, 9, 8], accuracy: moved[0, 9, 8] * 0.15)
    }

    func testSceneCutResets() {
        var rng = SeededGenerator()
        let s = TemporalSmoother(strength: 1)
        for _ in 0..<10 { _ = s.smooth(map(1, rng: &rng)) }
        let other = PlanarImage(width: 32, height: 18, channels: 3)
        for i in 0..<other.count { other.data[i] = i % 7 == 0 ? 0.9 : 0.05 }
        let out = s.smooth(other)
        XCTAssertTrue(out === other)
        XCTAssertEqual(s.sceneCuts, 1)
    }
}

/// Deterministic tests: a 64-bit LCG.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64 = 0x9E3779B97F4A7C15
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state ^ (state >> 29)
    }
}
