import Foundation
import SCKDCore
import XCTest

@testable import SCKDPipeline

final class OutputLevelStabiliserTests: XCTestCase {
    /// The levels a stabiliser hands out for a sequence of per-frame levels.
    func steadied(_ levels: [Float], strength: Float = 0.8) -> [Float] {
        var s = OutputLevelStabiliser(strength: strength)
        return levels.map { $0 * s.gain(forLevel: $0) }
    }

    func flicker(_ v: [Float]) -> Float {
        let d = zip(v.dropFirst(), v).map { $0 - $1 }
        let m = d.reduce(0, +) / Float(d.count)
        return (d.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Float(d.count)).squareRoot()
    }

    func testJitterOfTheLevelIsMoreThanHalved() {
        var rng = SystemRandomNumberGenerator()
        let levels = (0..<300).map { _ in 0.4 * (1 + Float.random(in: -0.01...0.01, using: &rng)) }
        let out = steadied(levels)
        XCTAssertLessThan(flicker(out), 0.5 * flicker(levels))
        for (a, b) in zip(levels, out) { XCTAssertLessThanOrEqual(abs(log(b / a)), 0.02 + 1e-6, "never more than 2 %") }
    }

    func testARealStepPassesAtOnce() {
        // A light switched on: +10 % from one frame to the next, then steady.
        let levels = [Float](repeating: 0.3, count: 20) + [Float](repeating: 0.33, count: 20)
        let out = steadied(levels)
        XCTAssertEqual(out[20], 0.33, accuracy: 1e-6, "the step frame is not held back")
        XCTAssertEqual(out.last!, 0.33, accuracy: 1e-6)
    }

    func testAFastDriftIsFollowedWithinTheBandAndCaughtUpSoon() {
        // A pan toward the lights: +3 % a frame for 15 frames, then steady.
        let levels = (0..<15).map { 0.3 * exp(0.03 * Float($0)) } + [Float](repeating: 0.3 * exp(0.42), count: 20)
        let out = steadied(levels)
        for (a, b) in zip(levels, out) { XCTAssertLessThanOrEqual(abs(log(b / a)), 0.02 + 1e-6) }
        for (a, b) in zip(levels.suffix(8), out.suffix(8)) { XCTAssertEqual(a, b, accuracy: 0.001 * a, "caught up within 12 frames") }
        XCTAssertEqual(out, out.sorted(), "a brightening stays a brightening: no pumping")
    }

    func testStrengthZeroIsPerFrameExactly() {
        var s = OutputLevelStabiliser(strength: 0)
        for level: Float in [0.3, 0.31, 0.29, 0.5, 0.0, .nan] { XCTAssertEqual(s.gain(forLevel: level), 1) }
    }

    func testABlackFrameIsNotBrightenedByItsNoise() {
        let out = steadied((0..<30).map { 0.002 + 0.001 * Float($0 % 3) })
        for v in out { XCTAssertLessThan(v, 0.0042) }
    }

    func testTurnsAreTakenInNumberOrderWhateverTheThreads() {
        let turns = InOrderTurns([Int]())
        let group = DispatchGroup()
        for n in (0..<64).shuffled() {
            group.enter()
            Thread { _ = turns.take(n) { $0.append(n) }; group.leave() }.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(turns.take(64) { $0 }, Array(0..<64))
    }

    func testCancelReleasesAWaiter() {
        let turns = InOrderTurns(0)
        let released = expectation(description: "the waiter for turn 5 returns")
        Thread { if turns.take(5, { _ in }) == nil { released.fulfill() } }.start()
        Thread.sleep(forTimeInterval: 0.05)
        turns.cancel()
        wait(for: [released], timeout: 5)
    }
}
