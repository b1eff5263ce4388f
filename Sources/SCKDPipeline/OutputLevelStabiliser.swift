import Foundation
import SCKDCore

/// Steadies the brightness of the enhanced frames: each frame's mean luma is followed by a moving
/// average, and the frame is scaled to it, by at most `band`.
///
/// What a viewer sees as flicker is the whole picture's level moving from frame to frame. On real
/// footage most of what is left after the temporal smoother is the network's own answer to noise,
/// compression and small content changes (its whole-frame view renormalises every frame); the
/// smoother must leave that level to each frame (smoothing the network's inputs to it makes the
/// output follow content uncompensated), so it is steadied here, on the result. The
/// correction never exceeds `band`, so nothing real is held back by more than a barely visible
/// amount: a change beyond `step` (a light switched on, a scene cut, an exposure step) passes at
/// once, and a steady drift (a pan toward the lights) is followed at most `band` behind.
/// Strength 0 is per-frame processing, bit for bit.
public struct OutputLevelStabiliser {
    public let strength: Float
    /// Largest |log correction|: 2 % of the level.
    let band: Float = 0.02
    /// |log change| from the kept level that is taken as a real change and passed at once.
    let step: Float = 0.05
    /// Levels below this (a black frame) are compared at this floor: their relative changes are noise.
    let darkLevel: Float = 0.01
    private var keptLog: Float?

    public init(strength: Float) {
        precondition((0...1).contains(strength))
        self.strength = strength
    }

    /// The weight of a new frame's level in the moving average: 1 at strength 0 (per-frame), 0.3
    /// at the default 0.8 (white jitter passes at about sqrt(0.3 / 1.7) = 0.42 of its size).
    var alpha: Float { 1 - 0.875 * strength }

    /// The gain to apply to a frame whose mean luma (coded, 0…1) is `level`; 1 when not stabilising.
    public mutating func gain(forLevel level: Float) -> Float {
        guard strength > 0, level.isFinite else { return 1 }
        let current = log(max(level, darkLevel))
        guard let kept = keptLog, abs(current - kept) <= step else {
            keptLog = current
            return 1
        }
        let next = min(current + band, max(current - band, kept + alpha * (current - kept)))
        keptLog = next
        return exp(next - current)
    }

    public mutating func reset() { keptLog = nil }
}

/// Sequential state that parallel workers update one numbered turn at a time, in number order,
/// whatever order they arrive in: how the phase B workers feed an `OutputLevelStabiliser` without
/// a stage of their own. Numbers must be taken by the workers in order (as from a FIFO queue), so
/// the turn a waiter waits for is always held by a running worker; `cancel` releases every waiter.
final class InOrderTurns<State>: @unchecked Sendable {  // state behind `condition`
    private var state: State
    private var next = 0
    private var cancelled = false
    private let condition = NSCondition()

    init(_ state: State) { self.state = state }

    /// Runs `body` on the state once every number below `n` has had its turn; nil once cancelled.
    func take<T>(_ n: Int, _ body: (inout State) throws -> T) rethrows -> T? {
        condition.lock()
        defer { condition.unlock() }
        while next != n && !cancelled { condition.wait() }
        guard !cancelled else { return nil }
        defer { next += 1; condition.broadcast() }
        return try body(&state)
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}
