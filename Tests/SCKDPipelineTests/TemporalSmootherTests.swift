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

/// Real footage: a hand-held camera, things moving, noise, a light switched on. The smoother must
/// tell these apart from the camera's exposure and pass them through; it must never add flicker.
final class TemporalSmootherRealFootageTests: XCTestCase {
    static let columns = TemporalSmoother.cellColumns, rows = TemporalSmoother.cellRows

    /// A scene in linear light: a gradient with a bright block, seen through a camera offset by
    /// `shift` (hand-held), at exposure `k`, with a lamp lighting the right third when `lampOn`.
    func scene(_ x: Float, _ y: Float, shift: Float, blob: Float, lampOn: Bool) -> Float {
        let u = x + shift
        var v: Float = 0.02 + 0.06 * (0.5 + 0.5 * sin(u * 0.4)) * (0.6 + 0.4 * y)
        if abs(u - blob) < 0.12 && y > 0.3 && y < 0.8 { v = 0.2 }
        if lampOn && x > 0.66 { v += 0.15 }
        return v
    }

    func cells(k: Float, shift: Float, blob: Float, lampOn: Bool = false, rng: inout SeededGenerator) -> [Float] {
        (0..<(Self.columns * Self.rows)).map { i in
            let x = (Float(i % Self.columns) + 0.5) / Float(Self.columns), y = (Float(i / Self.columns) + 0.5) / Float(Self.rows)
            return k * scene(x, y, shift: shift, blob: blob, lampOn: lampOn) * (1 + Float.random(in: -0.004...0.004, using: &rng))
        }
    }

    /// A learned estimator's map of that picture: it follows the exposure weakly (k^0.2) and has
    /// noise of its own.
    func map(k: Float, shift: Float, blob: Float, lampOn: Bool = false, rng: inout SeededGenerator) -> PlanarImage {
        let L = PlanarImage(width: 32, height: 18, channels: 3)
        for c in 0..<3 {
            for y in 0..<18 {
                for x in 0..<32 {
                    let v = 0.3 + 2 * scene(Float(x) / 32, Float(y) / 18, shift: shift, blob: blob, lampOn: lampOn)
                    L[c, y, x] = min(1, v * pow(k, 0.2) * (1 + Float.random(in: -0.01...0.01, using: &rng)))
                }
            }
        }
        return L
    }

    func flicker(_ v: [Double]) -> Double {
        let d = zip(v.dropFirst(), v).map { $0 - $1 }
        let m = d.reduce(0, +) / Double(d.count)
        return (d.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(d.count)).squareRoot()
    }

    /// Runs a clip through a learned-network smoother and per frame: what phase B is given (the
    /// picture's mean after the gain, the map's mean) flickers no more than per frame.
    func run(frames: Int, exposure: (Int) -> Float, shift: (Int) -> Float, blob: (Int) -> Float, lampOnAt: Int = .max)
        -> (smoothedInput: [Double], rawInput: [Double], smoothedMap: [Double], rawMap: [Double], gains: [Float]) {
        var rng = SeededGenerator()
        let s = TemporalSmoother(strength: 0.8, stabiliseInput: true)
        var r: ([Double], [Double], [Double], [Double], [Float]) = ([], [], [], [], [])
        for i in 0..<frames {
            let k = exposure(i), lamp = i >= lampOnAt
            let c = cells(k: k, shift: shift(i), blob: blob(i), lampOn: lamp, rng: &rng)
            let L = map(k: k, shift: shift(i), blob: blob(i), lampOn: lamp, rng: &rng)
            let mean = Double(c.reduce(0, +)) / Double(c.count)
            let out = s.smooth(L, cells: c)
            r.0.append(mean * Double(s.lastGain)); r.1.append(mean)
            r.2.append(out.mean()); r.3.append(L.mean()); r.4.append(s.lastGain)
        }
        return (r.0, r.1, r.2, r.3, r.4)
    }

    func testHandHeldPanWithAMovingPersonPassesThroughUnchanged() {
        var walk = SeededGenerator()
        let shakes = (0..<200).map { _ in Float.random(in: -0.01...0.01, using: &walk) }
        var x: Float = 0
        let path = shakes.map { x += $0; return x + 0.002 }  // a slow pan with shake
        let r = run(frames: 200, exposure: { _ in 1 }, shift: { path[$0] }, blob: { 0.1 + Float($0) * 0.004 })
        XCTAssertEqual(r.gains.filter { $0 != 1 }.count, 0, "motion is not exposure: no gain")
        XCTAssertLessThanOrEqual(flicker(r.smoothedMap), flicker(r.rawMap) * 1.05, "the map does not pump")
    }

    func testALightSwitchedOnIsContentNotExposure() {
        let r = run(frames: 60, exposure: { _ in 1 }, shift: { _ in 0 }, blob: { _ in 0.5 }, lampOnAt: 30)
        XCTAssertEqual(r.gains.filter { $0 != 1 }.count, 0, "a third of the picture brightening is no exposure change")
        XCTAssertEqual(r.smoothedMap[35] / r.rawMap[35], 1, accuracy: 0.03, "the map follows the light at once")
    }

    func testSlowAutoExposureDriftIsFollowedNotSmoothed() {
        // 1 % a frame, for 40 frames: below the jitter a viewer sees; smoothing it would lag it.
        let r = run(frames: 80, exposure: { pow(1.01, Float(min(max($0 - 20, 0), 40))) }, shift: { _ in 0 }, blob: { _ in 0.5 })
        XCTAssertEqual(r.gains.filter { $0 != 1 }.count, 0)
        XCTAssertLessThanOrEqual(flicker(r.smoothedInput), flicker(r.rawInput) * 1.0001)
    }

    func testAutoExposureHuntingOnAHandHeldShotIsCancelled() {
        var rng = SeededGenerator()
        let jitter = (0..<200).map { _ in 1 + Float.random(in: -0.15...0.15, using: &rng) }
        let r = run(frames: 200, exposure: { jitter[$0] }, shift: { Float($0) * 0.001 }, blob: { 0.1 + Float($0) * 0.003 })
        let ratio = flicker(Array(r.rawInput.dropFirst(20))) / flicker(Array(r.smoothedInput.dropFirst(20)))
        XCTAssertGreaterThanOrEqual(ratio, 5, "jitter of the picture phase B sees \(ratio)x lower")
        // The estimator follows exposure as k^0.2: the map handed over is at the kept exposure, so it
        // is steadier than the raw maps, not jittering against the steadied picture.
        XCTAssertLessThan(flicker(Array(r.smoothedMap.dropFirst(20))), flicker(Array(r.rawMap.dropFirst(20))) * 0.5)
    }

    func testExposureChangeNeedsMostCellsToAgree() {
        let s = TemporalSmoother(strength: 0.8, stabiliseInput: true)
        var rng = SeededGenerator()
        let a = cells(k: 1, shift: 0, blob: 0.5, rng: &rng)
        XCTAssertEqual(s.exposureChange(from: a, to: a.map { $0 * 1.2 }), log(1.2), accuracy: 1e-4)
        var partly = a
        for i in 0..<(partly.count * 2 / 5) { partly[i] *= 1.5 }  // 40 % of the cells brighten
        XCTAssertEqual(s.exposureChange(from: a, to: partly), 0)
        XCTAssertEqual(s.exposureChange(from: a, to: a.map { $0 * 1.01 }), 0, "1 % is left to pass through")
        XCTAssertEqual(s.exposureChange(from: a, to: a.map { _ in 0.001 }), 0, "dark cells do not vote")
    }

    func testCellsThatAgreeOnlyInDirectionAreNoExposureChange() {
        // A pan onto a brighter view: most cells brighten, by anything from 1 % to 12 %. The
        // direction agrees; an exposure change would also agree in size.
        let learned = TemporalSmoother(strength: 0.8, stabiliseInput: true)
        var rng = SeededGenerator()
        let a = cells(k: 1, shift: 0, blob: 0.5, rng: &rng)
        let pan = a.enumerated().map { i, v in v * (i % 10 < 8 ? 1.01 + 0.11 * Float((i * 7) % 10) / 9 : 0.97) }
        XCTAssertEqual(learned.exposureChange(from: a, to: pan), 0)
        let exposure = a.map { $0 * 1.06 * (1 + Float.random(in: -0.01...0.01, using: &rng)) }
        XCTAssertEqual(learned.exposureChange(from: a, to: exposure), log(1.06), accuracy: 0.01, "noise around a real change")
        // A Retinex map's level must follow every coherent change: the classic smoother keeps the
        // looser test.
        let retinex = TemporalSmoother(strength: 0.8)
        XCTAssertNotEqual(retinex.exposureChange(from: a, to: pan), 0)
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
