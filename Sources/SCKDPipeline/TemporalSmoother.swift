import Foundation
import SCKDCore

/// Temporal smoothing of the reduced-resolution illumination map, between phase A and phase B.
/// Flicker from auto-exposure hunting and sensor noise goes; motion does not lag, and nothing that
/// really changed in the picture is held back.
///
/// Two things are smoothed, each only where it is certain what it is:
/// - The camera's exposure. Each frame's input is measured on a grid of cells (`cellMeans`), and
///   the change from the previous frame is the median change of the cells, counted as exposure only
///   when most cells agree with it: a camera's exposure moves every cell alike, while a pan, a
///   person walking in or a light switched on moves some cells and not others, and is content that
///   must pass through as it is. (Measuring exposure by the picture's mean, as a plain average would,
///   turns every such content change into an exposure change to be smoothed away, then followed
///   late: that is what made real hand-held footage pump.) The summed changes are the camera's
///   exposure; a slow moving average of it is the exposure the output keeps, so jitter averages
///   out, and a change beyond `stepThreshold` that persists for two frames is a real step, followed
///   fast.
/// - The illumination's structure: the map taken back to a fixed exposure, averaged over time with
///   a weight that adapts per sample to how much that sample changed (below `stillBelow`: strong
///   smoothing; above `movingAbove`, or wherever the picture's own cell moved: follow at once), so
///   static regions are steady (the estimator's own noise goes) and moving ones do not ghost. For a
///   learned estimator only the map's shape is smoothed; its level stays the frame's own (what is
///   left of its jitter is steadied on the enhanced frames: `OutputLevelStabiliser`).
/// - A scene cut (mean structural change above `cutThreshold`) resets both.
///
/// For a Retinex phase B (output = input / L^(1/e)) the map handed over follows the frame's own
/// exposure raised to the enhancer's `exposureExponent`, which cancels the jitter in the output. For
/// a learned phase B (`stabiliseInput`), whose output depends on the picture itself, `lastGain`
/// brings the picture to the kept exposure instead (a linear-light gain, `PlanarImage.exposed(by:)`),
/// and the map is handed over at that exposure. Strength 0 is per-frame processing, bit for bit.
public final class TemporalSmoother {
    public let strength: Float
    /// |log exposure change| that may be a step: ±15 % jitter stays below, a doubling does not. In
    /// linear light (with `stabiliseInput`) a change of exposure k moves the log cell means by
    /// log k; on sRGB-coded values by about log k / 2.4, hence the two values.
    var stepThreshold: Float { stabiliseInput ? 0.45 : 0.2 }
    let stillBelow: Float = 0.04        // relative structural change treated as noise
    let movingAbove: Float = 0.15       // relative structural change treated as motion
    let cutThreshold: Float = 0.35      // mean relative change of a scene cut
    /// The grid the pipeline measures each input on (`PlanarImage.cellMeans`).
    public static let cellColumns = 16, cellRows = 9
    /// Cells darker than this carry mostly noise and quantisation, so they do not vote.
    var darkCell: Float { stabiliseInput ? 0.002 : 0.04 }
    /// Of the cells that vote, the share that must agree with the median change for it to count as
    /// the camera's exposure.
    let agreeingShare: Float = 0.7
    /// |log change| of a cell, beyond the exposure's, from which it holds motion (below: noise of
    /// its mean), and from which the map there follows the frame at once.
    let cellStill: Float = 0.008, cellMoving: Float = 0.025
    /// |log change| below which a frame's exposure is taken as unchanged: a slow drift of the
    /// camera's exposure, the noise of the median, or the small coherent pulses of a low-bitrate
    /// encoder are followed as they come, not smoothed into a lag (3 % in linear light, which a
    /// learned phase B largely normalises itself; 0.7 % on the coded values a Retinex division sees).
    var smallestChange: Float { stabiliseInput ? 0.03 : 0.007 }

    private var structure: PlanarImage?     // the map at exposure 0 (log), smoothed per sample
    private var previousCells: [Float]?
    private var cameraExposure: Float = 0   // log of the camera's exposure, summed coherent changes
    private var keptExposure: Float = 0     // its slow moving average: the exposure the output keeps
    private var stepFrames = 0
    private var following = false
    private var lastLogMean: Float?
    /// A running regression of the map's log mean on the exposure's log changes, from a weak prior
    /// (1 for a Retinex map on coded values, 0.5 for a learned estimator).
    private var responseNumerator: Float, responseDenominator: Float = 0.01
    public private(set) var sceneCuts = 0
    public private(set) var exposureSteps = 0

    /// The enhancer's `exposureExponent` (1 for Retinex division).
    public let exposureExponent: Float
    public let stabiliseInput: Bool
    /// The gain for phase B's input picture that goes with the last map `smooth` returned (1
    /// unless `stabiliseInput`).
    public private(set) var lastGain: Float = 1

    /// - Parameter strength: 0 (per-frame) … 1 (strongest smoothing of static content).
    public init(strength: Float, exposureExponent: Float = 1, stabiliseInput: Bool = false) {
        precondition((0...1).contains(strength))
        self.strength = strength
        self.exposureExponent = exposureExponent
        self.stabiliseInput = stabiliseInput
        responseNumerator = (stabiliseInput ? 0.5 : 1) * responseDenominator
    }

    public func reset() { structure = nil; previousCells = nil; lastLogMean = nil; stepFrames = 0; following = false }

    /// - Parameters:
    ///   - L: the frame's illumination map from phase A.
    ///   - cells: the frame's input measured on the grid (`PlanarImage.cellMeans`, in linear light
    ///     with `stabiliseInput`), or nil when the exposure is not to be followed.
    public func smooth(_ L: PlanarImage, cells: [Float]?) -> PlanarImage {
        lastGain = 1
        guard strength > 0 else { return L }
        let n = L.count
        let change = exposureChange(from: previousCells, to: cells)
        let moving = cellMotion(from: previousCells, to: cells, exposureChange: change)
        if let cells { previousCells = cells }
        let response = measureResponse(of: L, toChange: change)
        guard let previous = structure, previous.count == n, previous.width == L.width else {
            cameraExposure = 0
            keptExposure = 0
            structure = scaled(L, by: 1)
            return L
        }
        cameraExposure += change
        let current = scaled(L, by: exp(-response * cameraExposure))
        let s = previous.data, c = current.data
        var meanChange: Float = 0
        for i in 0..<n { meanChange += abs(c[i] - s[i]) / max(s[i], 1e-3) }
        meanChange /= Float(n)
        if meanChange > cutThreshold {
            sceneCuts += 1
            structure = current
            keptExposure = cameraExposure
            stepFrames = 0
            following = false
            return L
        }
        keepExposure()
        blendStructure(previous, toward: current, moving: moving)

        // The exponent of the map handed over: a Retinex phase B's own (its division cancels the
        // jitter) at the frame's own exposure; a learned one's as measured, with its picture and
        // map at the kept exposure.
        var exposure = stabiliseInput ? exp(response * keptExposure) : exp(exposureExponent * cameraExposure)
        if stabiliseInput {
            // A learned estimator's level answers the picture's content (through its whole-frame
            // view) and noise, and phase B relies on it to normalise them: only the map's shape is
            // smoothed, its level is the frame's own (at the kept exposure). Smoothing the level too
            // makes the output follow content changes of the input uncompensated, which on real
            // footage is more flicker than per-frame processing; the exposure gain alone still
            // cancels jitter.
            var smoothedSum: Float = 0, currentSum: Float = 0
            for i in 0..<n { smoothedSum += s[i]; currentSum += c[i] }
            exposure *= currentSum / max(smoothedSum, 1e-6)
            lastGain = min(2, max(0.5, exp(keptExposure - cameraExposure)))
        }
        let out = PlanarImage(uninitializedWidth: L.width, height: L.height, channels: L.channels)
        for i in 0..<n { out.data[i] = min(1, max(0.01, s[i] * exposure)) }
        return out
    }

    /// How the map follows the measured exposure, L ∝ exp(response * change): measured as the
    /// exposure changes (a running regression of the map's log mean on the changes), since a learned
    /// estimator answers exposure only weakly and a Retinex one on coded values in full.
    private func measureResponse(of L: PlanarImage, toChange change: Float) -> Float {
        let logMean = log(max(Float(L.mean()), 1e-4))
        if change != 0, let last = lastLogMean {
            responseNumerator = 0.98 * responseNumerator + (logMean - last) * change
            responseDenominator = 0.98 * responseDenominator + change * change
        }
        lastLogMean = logMean
        return min(1.5, max(0, responseNumerator / responseDenominator))
    }

    /// Moves the exposure the output keeps toward the camera's: slowly (jitter averages out), or
    /// fast once a change beyond `stepThreshold` has lasted two frames (a real step).
    private func keepExposure() {
        // Weights fall quadratically with strength: 1 at 0 (per-frame), 0.088 at 0.8, 0.05 at 1. An
        // average with weight a passes sqrt(a / (2 - a)) of white jitter.
        let alphaSlow = 0.05 + 0.95 * (1 - strength) * (1 - strength)
        let residual = cameraExposure - keptExposure
        if abs(residual) > stepThreshold { stepFrames += 1 } else { stepFrames = 0 }
        if stepFrames == 2 {
            following = true  // two frames beyond the jitter band: a real exposure change
            exposureSteps += 1
        }
        if following && abs(residual) < 0.02 { following = false }
        keptExposure += (following ? 0.6 : alphaSlow) * residual
    }

    /// Per-sample adaptive averaging of the map's structure (`smoothed`, in place) toward the
    /// frame's (`current`); where the picture itself moved (its cell), the map follows at once
    /// however little it changed: a lagging map on a moving picture is what a viewer sees as pumping.
    private func blendStructure(_ smoothed: PlanarImage, toward current: PlanarImage, moving: [Float]?) {
        let alphaStill = 0.1 + 0.9 * (1 - strength) * (1 - strength)
        let s = smoothed.data, c = current.data
        let w = current.width, h = current.height, plane = current.planeCount
        let columns = TemporalSmoother.cellColumns, rows = TemporalSmoother.cellRows
        for i in 0..<current.count {
            let change = abs(c[i] - s[i]) / max(s[i], 1e-3)
            var t = min(1, max(0, (change - stillBelow) / (movingAbove - stillBelow)))
            if let moving {
                let p = i % plane, x = p % w, y = p / w
                t = max(t, moving[(y * rows / h) * columns + x * columns / w])
            }
            s[i] += (alphaStill + (1 - alphaStill) * t) * (c[i] - s[i])
        }
    }

    /// One cell: the frame's input mean (a picture that is all one region).
    public func smooth(_ L: PlanarImage, inputMean: Double? = nil) -> PlanarImage {
        smooth(L, cells: inputMean.map { [Float($0)] })
    }

    /// The log change of the camera's exposure between two frames' cells: their median change when
    /// it is at least `smallestChange`, at least `agreeingShare` of the cells that vote moved the
    /// same way and (with `stabiliseInput`) their interquartile range is within the median's size,
    /// else 0 (something moved, or the exposure drifts slowly enough to follow as it is).
    func exposureChange(from previous: [Float]?, to current: [Float]?) -> Float {
        guard let previous, let current, previous.count == current.count else { return 0 }
        var ratios: [Float] = []
        ratios.reserveCapacity(current.count)
        for (a, b) in zip(previous, current) where a > darkCell && b > darkCell { ratios.append(log(b / a)) }
        guard !ratios.isEmpty, ratios.count * 4 >= current.count else { return 0 }
        ratios.sort()
        let median = ratios.count % 2 == 1 ? ratios[ratios.count / 2]
            : 0.5 * (ratios[ratios.count / 2 - 1] + ratios[ratios.count / 2])
        guard abs(median) >= smallestChange else { return 0 }
        // Agreeing: moved the same way, by at least a quarter as much (noise spreads the cells of a
        // real change around the median; motion leaves most cells where they were).
        let agreeing = ratios.reduce(0) { $0 + ($1 * median > 0 && abs($1) >= 0.25 * abs(median) ? 1 : 0) }
        // For a learned phase B, tightly too: an exposure change scales every cell alike, so the
        // middle half of the cells lies within the change's own size; a hand-held pan that happens
        // to brighten most cells scatters them far wider, and taking it for exposure left the
        // output off for a second. (A Retinex map's level is smoothed with its shape and must
        // follow every coherent change, so it keeps the looser test.)
        let spread = ratios[3 * ratios.count / 4] - ratios[ratios.count / 4]
        guard !stabiliseInput || spread <= abs(median) else { return 0 }
        return Float(agreeing) >= agreeingShare * Float(ratios.count) ? median : 0
    }

    /// Per cell, 0 (still) … 1 (moving): how far its change departs from the camera's exposure
    /// change, from `cellStill` (noise of a cell mean) to `cellMoving`; nil without a grid to compare.
    func cellMotion(from previous: [Float]?, to current: [Float]?, exposureChange: Float) -> [Float]? {
        guard let previous, let current, previous.count == current.count,
              current.count == TemporalSmoother.cellColumns * TemporalSmoother.cellRows else { return nil }
        return zip(previous, current).map { a, b in
            // Dark cells compare on a floor: their relative change is mostly noise.
            let d = abs(log(max(b, darkCell) / max(a, darkCell)) - exposureChange)
            return min(1, max(0, (d - cellStill) / (cellMoving - cellStill)))
        }
    }

    private func scaled(_ L: PlanarImage, by k: Float) -> PlanarImage {
        let out = PlanarImage(uninitializedWidth: L.width, height: L.height, channels: L.channels)
        for i in 0..<L.count { out.data[i] = L.data[i] * k }
        return out
    }
}
