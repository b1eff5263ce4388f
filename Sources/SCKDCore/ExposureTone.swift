import CSCKDCoreKernels
import Foundation

/// How bright an enhanced picture should be, decided from the input picture: a network trained on
/// LOL-v1 lifts every picture to a daylight level, which is right for a nearly black picture and
/// wrong for a street at night or a picture that is already well exposed (skies go white, the night
/// turns to a flat fog, lamps clip).
///
/// - Regions (a grid of about 8 cells across, each half its own brightness and half the whole
///   picture's, so that no edge gets a halo) whose input is darker than `darkBelow` take the
///   network's full lift; brighter ones less, down to none from `brightAbove` on: a city's grey
///   night sky, which the viewer already sees, stays near its level while the shadows are lifted.
/// - `exposure` scales that lift: 0 keeps the input, 1 is the default, up to 2 lifts further.
/// - Values above `knee` roll off softly, full white becoming `white` (below what counts as
///   clipped), and no value ends darker than its input: a
///   light source keeps the input's own highlight instead of being pushed into clipping.
public struct ExposureTone: Sendable {
    public var exposure: Float
    public static let darkBelow: Float = 0.10, brightAbove: Float = 0.35
    public static let knee: Float = 0.8, white: Float = 0.95
    static let cellsAcross = 8

    public init(exposure: Float = 1) {
        precondition((0...2).contains(exposure), "exposure \(exposure) outside 0...2")
        self.exposure = exposure
    }

    /// The lift each region may take (0 … 1), on a grid of `columns` x `rows`, from the picture
    /// phase B saw: `input` exposed `inputGain` times longer in linear light.
    public func liftGrid(for input: PlanarImage, inputGain: Float = 1) -> (grid: [Float], columns: Int, rows: Int) {
        let cell = max(1, (max(input.width, input.height) + Self.cellsAcross - 1) / Self.cellsAcross)
        let columns = (input.width + cell - 1) / cell, rows = (input.height + cell - 1) / cell
        var sums = [Float](repeating: 0, count: columns * rows), counts = [Float](repeating: 0, count: columns * rows)
        let r = input.plane(0), g = input.plane(input.channels > 2 ? 1 : 0), b = input.plane(input.channels > 2 ? 2 : 0)
        var y = 1
        while y < input.height {
            let row = y * input.width, cy = (y / cell) * columns
            var x = 1
            while x < input.width {
                sums[cy + x / cell] += 0.299 * r[row + x] + 0.587 * g[row + x] + 0.114 * b[row + x]
                counts[cy + x / cell] += 1
                x += 2
            }
            y += 2
        }
        let total = counts.reduce(0, +)
        let mean = total > 0 ? sums.reduce(0, +) / total : 0
        // A gain in linear light moves coded values by about gain^(1/2.2).
        let coded = pow(inputGain, 1 / 2.2)
        let grid = zip(sums, counts).map { s, n -> Float in
            let local = n > 0 ? s / n : mean
            let brightness = (0.5 * local + 0.5 * mean) * coded
            let t = min(1, max(0, (Self.brightAbove - brightness) / (Self.brightAbove - Self.darkBelow)))
            return t * t * (3 - 2 * t)
        }
        return (grid, columns, rows)
    }

    /// Tones `enhanced` (phase B's output for `input`) in place.
    public func apply(input: PlanarImage, inputGain: Float = 1, enhanced: PlanarImage) {
        precondition(input.width == enhanced.width && input.height == enhanced.height && input.channels == 3 && enhanced.channels == 3)
        let (grid, columns, rows) = liftGrid(for: input, inputGain: inputGain)
        let status = grid.withUnsafeBufferPointer {
            sckd_exposure_tone(input.data, pow(inputGain, 1 / 2.2), enhanced.data, Int32(input.width), Int32(input.height), $0.baseAddress,
                               Int32(columns), Int32(rows), exposure, Self.knee, Self.white)
        }
        precondition(status == 0, "out of memory toning a \(input.width)x\(input.height) picture")
    }
}

/// A learned enhancer whose output goes through `ExposureTone`: every command (files, camera,
/// stills, eval) shows the same picture.
public final class ToneMappedEnhancer: FrameEnhancer {
    public let inner: FrameEnhancer
    public let tone: ExposureTone

    public init(_ inner: FrameEnhancer, tone: ExposureTone) {
        self.inner = inner
        self.tone = tone
    }

    public var name: String { inner.name }
    public var exposureExponent: Float { inner.exposureExponent }
    public var stabilisesInputExposure: Bool { inner.stabilisesInputExposure }

    public func estimateIllumination(_ image: PlanarImage) throws -> PlanarImage { try inner.estimateIllumination(image) }

    public func enhance(_ image: PlanarImage, illumination: PlanarImage) throws -> PlanarImage {
        try enhance(image, illumination: illumination, inputGain: 1)
    }

    public func enhance(_ image: PlanarImage, illumination: PlanarImage, inputGain: Float) throws -> PlanarImage {
        let out = try inner.enhance(image, illumination: illumination, inputGain: inputGain)
        tone.apply(input: image, inputGain: inputGain, enhanced: out)
        return out
    }
}
