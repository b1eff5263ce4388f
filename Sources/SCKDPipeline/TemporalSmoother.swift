import Foundation
import SCKDCore

/// Temporal smoothing of the reduced-resolution illumination map, between phase A and phase B
/// (DESIGN §2). Flicker from auto-exposure hunting and sensor noise goes; motion does not lag.
///
/// The map is split into a global exposure (its mean) and a normalised structure (map / mean):
/// - Exposure: a slow exponential moving average in log space, so ±15 % jitter averages out of the
///   level; a change beyond `stepThreshold` that persists for two frames is a real exposure step
///   and is followed fast. The map handed to phase B then carries the frame's own exposure raised to
///   the enhancer's `exposureExponent` around that level, which is what makes phase B's output
///   exposure-invariant: jitter cancels instead of passing through (an enhancer dividing by L would
///   otherwise turn a steadied L into flicker).
/// - Structure: an exponential moving average whose weight adapts per sample to how much that
///   sample changed (relative change below `stillBelow`: strong smoothing; above `movingAbove`:
///   follow at once), so static regions are steady and moving ones do not ghost.
/// - A scene cut (mean structural change above `cutThreshold`) resets both.
/// - With `stabiliseInput` (a learned phase B, see `FrameEnhancer.stabilisesInputExposure`) the
///   jitter is cancelled on the picture instead: `lastGain` brings phase B's input to the smoothed
///   exposure (a linear-light gain, `PlanarImage.exposed(by:)`), and the map handed over is at that
///   exposure.
/// Strength 0 is per-frame processing, bit for bit.
public final class TemporalSmoother {
    public let strength: Float
    /// |log exposure change| that may be a step: ±15 % jitter stays below, a doubling does not. In
    /// linear light (with `stabiliseInput`) a change of exposure k moves the log mean by log k; on
    /// sRGB-coded values by about log k / 2.4, hence the two values.
    var stepThreshold: Float { stabiliseInput ? 0.45 : 0.2 }
    let stillBelow: Float = 0.04        // relative structural change treated as noise
    let movingAbove: Float = 0.15       // relative structural change treated as motion
    let cutThreshold: Float = 0.35      // mean relative change of a scene cut
    private var structure: PlanarImage?
    private var logExposure: Float = 0   // smoothed log exposure of the input pictures
    private var logLevel: Float = 0      // smoothed log mean of the illumination map
    private var stepFrames = 0
    private var following = false
    public private(set) var sceneCuts = 0
    public private(set) var exposureSteps = 0

    /// - Parameter strength: 0 (per-frame) … 1 (strongest smoothing of static content).
    /// The enhancer's `exposureExponent` (1 for Retinex division).
    public let exposureExponent: Float
    public let stabiliseInput: Bool
    /// The gain for phase B's input picture that goes with the last map `smooth` returned (1
    /// unless `stabiliseInput`).
    public private(set) var lastGain: Float = 1

    public init(strength: Float, exposureExponent: Float = 1, stabiliseInput: Bool = false) {
        precondition((0...1).contains(strength))
        self.strength = strength
        self.exposureExponent = exposureExponent
        self.stabiliseInput = stabiliseInput
    }

    public func reset() { structure = nil; stepFrames = 0; following = false }

    /// - Parameters:
    ///   - L: the frame's illumination map from phase A.
    ///   - inputMean: the mean of the frame's input picture (of its linear light, with
    ///     `stabiliseInput`, as the gain is applied in linear light): the exposure measured where it is
    ///     exact (the illumination's mean also carries the estimator's own frame-to-frame noise,
    ///     which is smoothed away while the exposure ratio is followed frame by frame).
    public func smooth(_ L: PlanarImage, inputMean: Double? = nil) -> PlanarImage {
        lastGain = 1
        guard strength > 0 else { return L }
        let n = L.count
        let mean = max(Float(L.mean()), 1e-4)
        let logMean = log(mean)
        let logInput = inputMean.map { log(max(Float($0), 1e-4)) } ?? logMean
        guard let previous = structure, previous.count == n, previous.width == L.width else {
            structure = normalised(L, by: mean)
            logExposure = logInput
            logLevel = logMean
            return L
        }
        // Global exposure.
        // Weights fall quadratically with strength: 1 at 0 (per-frame), 0.088 at 0.8, 0.05 at 1.
        // An average with weight a passes sqrt(a / (2 - a)) of white jitter: 0.088 -> 1/5 of it in
        // frame-to-frame differences, ~15x less.
        let alphaSlow = 0.05 + 0.95 * (1 - strength) * (1 - strength)
        let residual = logInput - logExposure
        if abs(residual) > stepThreshold { stepFrames += 1 } else { stepFrames = 0 }
        if stepFrames == 2 {
            // Two frames beyond the jitter band on the same level: a real exposure change. Follow
            // it fast until caught up.
            following = true
            exposureSteps += 1
        }
        if following && abs(residual) < 0.02 { following = false }
        let alphaExposure: Float = following ? 0.6 : alphaSlow
        logExposure += alphaExposure * residual
        logLevel += alphaExposure * (logMean - logLevel)

        // Structure: per-sample adaptive weights.
        let current = normalised(L, by: mean)
        let s = previous.data, c = current.data
        var meanChange: Float = 0
        for i in 0..<n { meanChange += abs(c[i] - s[i]) / max(s[i], 1e-3) }
        meanChange /= Float(n)
        if meanChange > cutThreshold {
            sceneCuts += 1
            structure = current
            logExposure = logInput
            logLevel = logMean
            stepFrames = 0
            following = false
            return L
        }
        let alphaStill = 0.1 + 0.9 * (1 - strength) * (1 - strength)
        for i in 0..<n {
            let change = abs(c[i] - s[i]) / max(s[i], 1e-3)
            let t = min(1, max(0, (change - stillBelow) / (movingAbove - stillBelow)))
            let alpha = alphaStill + (1 - alphaStill) * t
            s[i] += alpha * (c[i] - s[i])
        }
        let out = PlanarImage(width: L.width, height: L.height, channels: L.channels)
        // The smoothed level, times the frame's exposure relative to the smoothed exposure raised to
        // the enhancer's exponent: jitter in the input cancels in phase B, noise in the estimate goes.
        // With `stabiliseInput` the picture is brought to the smoothed exposure instead, and the map
        // stays at the smoothed level.
        let exposure = stabiliseInput ? exp(logLevel) : exp(logLevel + exposureExponent * (logInput - logExposure))
        if stabiliseInput { lastGain = min(2, max(0.5, exp(logExposure - logInput))) }
        let floor: Float = 0.01
        for i in 0..<n { out.data[i] = min(1, max(floor, s[i] * exposure)) }
        return out
    }

    private func normalised(_ L: PlanarImage, by mean: Float) -> PlanarImage {
        let out = PlanarImage(width: L.width, height: L.height, channels: L.channels)
        let k = 1 / mean
        for i in 0..<L.count { out.data[i] = L.data[i] * k }
        return out
    }
}
