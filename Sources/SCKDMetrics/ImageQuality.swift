import Foundation

/// An 8-bit RGB picture as the metrics see it: planar, values 0...255 as Doubles.
public struct RGB8Picture {
    public let width: Int
    public let height: Int
    /// Planes R, G, B, each `width * height` values.
    public let planes: [[Double]]

    public init(width: Int, height: Int, planes: [[Double]]) {
        precondition(planes.count == 3 && planes.allSatisfy { $0.count == width * height })
        self.width = width
        self.height = height
        self.planes = planes
    }

    /// Quantises [0, 1] floats the way a PNG writer does: round half up of v x 255, clamped.
    public init(width: Int, height: Int, unitPlanes: [UnsafePointer<Float>]) {
        self.width = width
        self.height = height
        planes = unitPlanes.map { p in (0..<(width * height)).map { Double(UInt8(min(255, max(0, p[$0] * 255 + 0.5)))) } }
    }
}

/// PSNR, SSIM and GT-mean PSNR exactly as the reference LOL-v1 evaluation computes them (8-bit
/// RGB; SSIM with a Gaussian window per channel), so that `sckd eval` and published figures agree
/// to 0.01 dB.
public enum ImageQuality {
    /// RGB, uint8 range, whole picture; +infinity for identical pictures.
    public static func psnr(_ a: RGB8Picture, _ b: RGB8Picture) -> Double {
        var se = 0.0
        for c in 0..<3 { for i in 0..<a.planes[c].count { let d = a.planes[c][i] - b.planes[c][i]; se += d * d } }
        let mse = se / Double(3 * a.width * a.height)
        return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }

    /// Mean SSIM over R, G, B: 11x11 Gaussian window (sigma 1.5, truncated at 3.5 sigma, edges
    /// replicated), K1 = 0.01, K2 = 0.03 at L = 255, averaged over the valid region (5-pixel border
    /// dropped), as scipy.ndimage.gaussian_filter(mode='nearest') and iqa.py compute it.
    public static func ssim(_ a: RGB8Picture, _ b: RGB8Picture) -> Double {
        (0..<3).map { ssimChannel(a.planes[$0], b.planes[$0], width: a.width, height: a.height) }.reduce(0, +) / 3
    }

    /// PSNR after scaling the output to the ground truth's mean grey (reported beside, never instead).
    public static func gtMeanPSNR(_ out: RGB8Picture, _ gt: RGB8Picture) -> Double {
        func grey(_ p: RGB8Picture) -> Double {
            var s = 0.0
            for i in 0..<(p.width * p.height) { s += 0.299 * p.planes[0][i] + 0.587 * p.planes[1][i] + 0.114 * p.planes[2][i] }
            return s / Double(p.width * p.height)
        }
        let k = grey(gt) / max(grey(out), 1e-6)
        // numpy's round is half-to-even, as is rint in the default rounding mode.
        let scaled = out.planes.map { $0.map { rint(min(255, max(0, $0 * k))) } }
        return psnr(RGB8Picture(width: out.width, height: out.height, planes: scaled), gt)
    }

    static let kernel: [Double] = {
        let sigma = 1.5, radius = Int(3.5 * sigma + 0.5)
        let w = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let s = w.reduce(0, +)
        return w.map { $0 / s }
    }()

    /// Separable Gaussian filter with edge replication (scipy mode 'nearest').
    static func gaussian(_ x: [Double], width: Int, height: Int) -> [Double] {
        let k = kernel, r = k.count / 2
        var tmp = [Double](repeating: 0, count: x.count), out = tmp
        for y in 0..<height {
            for xx in 0..<width {
                var s = 0.0
                for j in -r...r { s += k[j + r] * x[y * width + min(max(xx + j, 0), width - 1)] }
                tmp[y * width + xx] = s
            }
        }
        for y in 0..<height {
            for xx in 0..<width {
                var s = 0.0
                for j in -r...r { s += k[j + r] * tmp[min(max(y + j, 0), height - 1) * width + xx] }
                out[y * width + xx] = s
            }
        }
        return out
    }

    static func ssimChannel(_ x: [Double], _ y: [Double], width: Int, height: Int) -> Double {
        let c1: Double = (0.01 * 255) * (0.01 * 255), c2: Double = (0.03 * 255) * (0.03 * 255)
        let mx = gaussian(x, width: width, height: height), my = gaussian(y, width: width, height: height)
        let xx = gaussian(x.map { $0 * $0 }, width: width, height: height)
        let yy = gaussian(y.map { $0 * $0 }, width: width, height: height)
        let xy = gaussian(zip(x, y).map { $0 * $1 }, width: width, height: height)
        var sum = 0.0, n = 0
        // The valid region: numpy's m[5:-5, 5:-5].
        for row in stride(from: 5, to: height - 5, by: 1) {
            for col in stride(from: 5, to: width - 5, by: 1) {
                let i = row * width + col
                let sxx = xx[i] - mx[i] * mx[i], syy = yy[i] - my[i] * my[i], sxy = xy[i] - mx[i] * my[i]
                sum += ((2 * mx[i] * my[i] + c1) * (2 * sxy + c2)) / ((mx[i] * mx[i] + my[i] * my[i] + c1) * (sxx + syy + c2))
                n += 1
            }
        }
        return n > 0 ? sum / Double(n) : .nan
    }
}
