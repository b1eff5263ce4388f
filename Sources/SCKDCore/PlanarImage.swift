import Foundation
import CSCKDCoreKernels

/// A planar float image: `channels` planes of `height` rows of `width` samples, values in [0, 1]
/// for pictures. Planar float is what both swscale (`gbrpf32le`) and the network engines consume,
/// so frames cross module boundaries in this one shape without repacking.
///
/// A reference type with manually allocated, 64-byte-aligned storage: frames are large, are handed
/// between threads, and must never be copied implicitly (copy-on-write of a [Float] would do that
/// silently on the first write from a second owner).
public final class PlanarImage: @unchecked Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public let data: UnsafeMutablePointer<Float>

    public var planeCount: Int { width * height }
    public var count: Int { width * height * channels }

    public convenience init(width: Int, height: Int, channels: Int = 3) {
        self.init(uninitializedWidth: width, height: height, channels: channels)
        data.initialize(repeating: 0, count: count)
    }

    /// An image whose samples are not set: for a producer that writes every sample (a converter,
    /// a network's output), which saves zeroing ~11 MB per 1280x720 frame.
    public init(uninitializedWidth width: Int, height: Int, channels: Int = 3) {
        precondition(width > 0 && height > 0 && channels > 0, "empty image \(width)x\(height)x\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        let raw = StorageRecycler.shared.take(width * height * channels * MemoryLayout<Float>.stride)
        data = raw.bindMemory(to: Float.self, capacity: width * height * channels)
    }

    /// A new image with every sample set to `value`.
    public convenience init(width: Int, height: Int, channels: Int = 3, filledWith value: Float) {
        self.init(width: width, height: height, channels: channels)
        data.update(repeating: value, count: count)
    }

    deinit { StorageRecycler.shared.give(UnsafeMutableRawPointer(data), count * MemoryLayout<Float>.stride) }

    /// The first sample of plane `c` (R, G, B for pictures).
    @inline(__always) public func plane(_ c: Int) -> UnsafeMutablePointer<Float> { data + c * planeCount }

    @inline(__always) public subscript(c: Int, y: Int, x: Int) -> Float {
        get { data[c * planeCount + y * width + x] }
        set { data[c * planeCount + y * width + x] = newValue }
    }

    /// The sRGB-coded picture exposed `gain` times longer: every sample taken to linear light,
    /// times `gain`, back to sRGB, clamped to [0, 1] (within 2e-3, half an 8-bit level, at the
    /// toe's knee, far less elsewhere; gain 1 is a copy). Exposure is a linear-light quantity: a
    /// gain on the coded values brightens the dark toe too little.
    public func exposed(by gain: Float) -> PlanarImage {
        let out = PlanarImage(uninitializedWidth: width, height: height, channels: channels)
        sckd_expose_f32(data, out.data, count, gain)
        return out
    }

    /// The mean linear light of the sRGB-coded samples, over about 2^17 of them in runs of 64
    /// spread evenly (the exposure measure that `exposed(by:)` scales: doubling the exposure doubles
    /// it).
    public func linearLightMean() -> Double {
        sckd_linear_light_mean(data, count, max(1, count >> 17))
    }

    /// Mean light of each cell of a `columns` x `rows` grid over the picture (row-major), from every
    /// other sample of every other row: linear light (what `exposed(by:)` scales) or the coded values.
    /// Temporal smoothing compares these between frames to tell a change of the camera's exposure,
    /// which moves every cell alike, from something moving, which moves a few.
    public func cellMeans(columns: Int, rows: Int, linearLight: Bool) -> [Float] {
        let cols = max(1, min(columns, width)), rws = max(1, min(rows, height))
        var means = [Float](repeating: 0, count: cols * rws)
        let status = means.withUnsafeMutableBufferPointer {
            sckd_cell_means(data, Int32(width), Int32(height), Int32(min(channels, 3)), Int32(cols), Int32(rws),
                            linearLight ? 1 : 0, $0.baseAddress!)
        }
        precondition(status == 0, "cellMeans: out of memory")
        return means
    }

    public func copy() -> PlanarImage {
        let out = PlanarImage(width: width, height: height, channels: channels)
        out.data.update(from: data, count: count)
        return out
    }

    /// Rec. 601 luma of the coded RGB picture, averaged over every sample (as the frame-to-frame
    /// flicker is measured). Every sample: a subsampled mean of a moving picture is noisier than
    /// the frame-to-frame changes it is meant to measure.
    public func meanCodedLuma() -> Float {
        precondition(channels == 3)
        return Float(sckd_mean_luma_f32(plane(0), plane(1), plane(2), planeCount))
    }

    /// Every sample times `gain`, clamped to 1, in place.
    public func scale(by gain: Float) {
        sckd_scale_clamp_f32(data, count, gain)
    }

    /// The mean of every sample of every plane.
    public func mean() -> Double {
        sckd_sum_f32(data, count) / Double(count)
    }

    /// `left` and `right` next to each other (same height).
    public static func sideBySide(_ left: PlanarImage, _ right: PlanarImage) -> PlanarImage {
        precondition(left.height == right.height && left.channels == right.channels)
        let out = PlanarImage(width: left.width + right.width, height: left.height, channels: left.channels)
        for c in 0..<left.channels {
            for y in 0..<left.height {
                let d = out.plane(c) + y * out.width
                d.update(from: left.plane(c) + y * left.width, count: left.width)
                (d + left.width).update(from: right.plane(c) + y * right.width, count: right.width)
            }
        }
        return out
    }

    /// The left half of `left` and the right half of `right` (same size), with a 2-pixel white
    /// divider: a before/after view at the original size.
    public static func split(_ left: PlanarImage, _ right: PlanarImage) -> PlanarImage {
        precondition(left.width == right.width && left.height == right.height && left.channels == right.channels)
        let out = right.copy()
        let half = left.width / 2
        for c in 0..<left.channels {
            for y in 0..<left.height {
                (out.plane(c) + y * out.width).update(from: left.plane(c) + y * left.width, count: half)
                for x in max(0, half - 1)..<min(left.width, half + 1) { out[c, y, x] = 1 }
            }
        }
        return out
    }

    /// This image grown to `newWidth` x `newHeight` by repeating the last column and row (encoders
    /// with chroma subsampling need even sizes; replicated edges encode cheaply and invisibly).
    public func paddedByReplication(toWidth newWidth: Int, height newHeight: Int) -> PlanarImage {
        precondition(newWidth >= width && newHeight >= height)
        if newWidth == width && newHeight == height { return self }
        let out = PlanarImage(width: newWidth, height: newHeight, channels: channels)
        for c in 0..<channels {
            let src = plane(c), dst = out.plane(c)
            for y in 0..<newHeight {
                let s = src + min(y, height - 1) * width, d = dst + y * newWidth
                d.update(from: s, count: width)
                let edge = s[width - 1]
                for x in width..<newWidth { d[x] = edge }
            }
        }
        return out
    }
}
