import Foundation
import SCKDCore

/// The classical Retinex baseline (no learning): illumination is the per-pixel max of R, G, B,
/// averaged into blocks and box-filtered at reduced resolution (illumination is smooth, so this
/// costs little and avoids amplifying texture as if it were light); the gain 1 / max(L, ε)^γ is
/// applied at full resolution to all three channels alike (hue is kept), with a soft knee that
/// compresses highlights instead of clipping them.
///
/// It is a real baseline for `sckd eval` and the benchmarks, and the fallback when no weights exist.
public final class ClassicRetinexEnhancer: FrameEnhancer {
    public let name = "classic"
    /// 0 leaves the picture unchanged; 1 maps the estimated illumination all the way to white.
    public let strength: Float
    /// Full-resolution pixels per illumination sample along each axis.
    public let blockSize: Int
    /// Box-filter radius at reduced resolution, in illumination samples.
    public let radius: Int
    public let epsilon: Float = 0.02
    public let maximumGain: Float = 12
    /// Where highlight compression starts.
    public let knee: Float = 0.8

    public init(strength: Float = 0.75, blockSize: Int = 8, radius: Int = 3) {
        precondition((0...1).contains(strength), "strength must be in 0...1")
        self.strength = strength
        self.blockSize = blockSize
        self.radius = radius
    }

    /// The gain is L^-strength, so the output is exposure-invariant when L scales as k^(1/strength).
    public var exposureExponent: Float { strength > 0 ? 1 / strength : 1 }

    public func estimateIllumination(_ image: PlanarImage) throws -> PlanarImage {
        let w = image.width, h = image.height, b = blockSize
        let lw = (w + b - 1) / b, lh = (h + b - 1) / b
        let low = PlanarImage(width: lw, height: lh, channels: 1)
        var sums = [Float](repeating: 0, count: lw * lh)
        var counts = [Float](repeating: 0, count: lw * lh)
        let r = image.plane(0), g = image.plane(1), bl = image.plane(2)
        for y in 0..<h {
            let row = y * w, lrow = (y / b) * lw
            for x in 0..<w {
                let i = row + x
                sums[lrow + x / b] += max(r[i], max(g[i], bl[i]))
                counts[lrow + x / b] += 1
            }
        }
        for i in 0..<(lw * lh) { low.data[i] = sums[i] / counts[i] }
        // Two box passes approximate a Gaussian and keep the map free of block edges.
        boxFilter(low, radius: radius)
        boxFilter(low, radius: radius)
        return low
    }

    public func enhance(_ image: PlanarImage, illumination: PlanarImage) throws -> PlanarImage {
        let w = image.width, h = image.height
        let out = PlanarImage(width: w, height: h, channels: 3)
        let gamma = strength, eps = epsilon, gmax = maximumGain, knee = knee
        let L = upsampleBilinear(illumination, width: w, height: h)
        let r = image.plane(0), g = image.plane(1), b = image.plane(2)
        let oR = out.plane(0), oG = out.plane(1), oB = out.plane(2)
        for i in 0..<(w * h) {
            let l = max(L[i], eps)
            let gain = min(gmax, max(1, gamma == 0 ? 1 : powf(l, -gamma)))
            let v = max(r[i], max(g[i], b[i])) * gain
            // Soft knee: values above `knee` approach 1 asymptotically; all channels share the
            // factor, so bright colours desaturate gracefully instead of shifting hue.
            var k = gain
            if v > knee {
                let over = (v - knee) / (1 - knee)
                k = gain * (knee + (1 - knee) * tanhf(over)) / v
            }
            oR[i] = min(1, max(0, r[i] * k))
            oG[i] = min(1, max(0, g[i] * k))
            oB[i] = min(1, max(0, b[i] * k))
        }
        return out
    }
}

/// In-place separable box filter with edge clamping (each output is the mean of 2r+1 samples).
func boxFilter(_ img: PlanarImage, radius r: Int) {
    guard r > 0 else { return }
    let w = img.width, h = img.height
    var tmp = [Float](repeating: 0, count: max(w, h))
    let n = Float(2 * r + 1)
    for c in 0..<img.channels {
        let p = img.plane(c)
        for y in 0..<h {
            let row = p + y * w
            var acc: Float = 0
            for k in -r...r { acc += row[min(max(k, 0), w - 1)] }
            for x in 0..<w {
                tmp[x] = acc / n
                acc += row[min(x + r + 1, w - 1)] - row[max(x - r, 0)]
            }
            for x in 0..<w { row[x] = tmp[x] }
        }
        for x in 0..<w {
            var acc: Float = 0
            for k in -r...r { acc += p[min(max(k, 0), h - 1) * w + x] }
            for y in 0..<h {
                tmp[y] = acc / n
                acc += p[min(y + r + 1, h - 1) * w + x] - p[max(y - r, 0) * w + x]
            }
            for y in 0..<h { p[y * w + x] = tmp[y] }
        }
    }
}

/// Bilinear resize of a one-channel map with half-pixel centres (align_corners = false), the
/// convention the network side uses too.
func upsampleBilinear(_ src: PlanarImage, width: Int, height: Int) -> [Float] {
    let sw = src.width, sh = src.height, s = src.plane(0)
    var out = [Float](repeating: 0, count: width * height)
    let sx = Float(sw) / Float(width), sy = Float(sh) / Float(height)
    var x0s = [Int](repeating: 0, count: width), x1s = x0s, fxs = [Float](repeating: 0, count: width)
    for x in 0..<width {
        let fx = max(0, (Float(x) + 0.5) * sx - 0.5)
        let x0 = min(Int(fx), sw - 1)
        x0s[x] = x0; x1s[x] = min(x0 + 1, sw - 1); fxs[x] = fx - Float(x0)
    }
    out.withUnsafeMutableBufferPointer { o in
        for y in 0..<height {
            let fy = max(0, (Float(y) + 0.5) * sy - 0.5)
            let y0 = min(Int(fy), sh - 1), y1 = min(y0 + 1, sh - 1), wy = fy - Float(y0)
            let r0 = s + y0 * sw, r1 = s + y1 * sw
            for x in 0..<width {
                let a = r0[x0s[x]] + (r0[x1s[x]] - r0[x0s[x]]) * fxs[x]
                let b = r1[x0s[x]] + (r1[x1s[x]] - r1[x0s[x]]) * fxs[x]
                o[y * width + x] = a + (b - a) * wy
            }
        }
    }
    return out
}
