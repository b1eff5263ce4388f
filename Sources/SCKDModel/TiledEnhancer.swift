import SCKDCore

/// Runs an LDFC-Net engine over large frames in overlapping tiles so that memory stays bounded
/// (a 20-channel full-resolution activation of an 8000x6000 still would take 3.8 GB).
///
/// The result equals the untiled one: tile origins and halos are multiples of 4 (the network's
/// stride-2 convolutions and the fixed x4 illumination upsampling then sample the same grid as on
/// the whole frame), and the halo exceeds the receptive field, so the zero padding at a tile's
/// edge never reaches the part of the tile that is kept. A network with a whole-frame context in
/// phase A (architecture version 2) gets the whole frame's feature means in every tile (two passes
/// of phase A over the tiles; phase B is local).
public final class TiledEnhancer: FrameEnhancer {
    public let engine: LDFCNetEngine
    public var name: String { engine.name }
    public var stabilisesInputExposure: Bool { engine.stabilisesInputExposure }
    /// Kept part of a tile (a multiple of 4).
    public let tileSize: Int
    /// Extra context around each tile, in full-resolution pixels (a multiple of 4).
    public let halo: Int
    /// Frames up to this many pixels run untiled.
    public let untiledLimit: Int

    public init(engine: LDFCNetEngine, tileSize: Int = 512, halo: Int? = nil, untiledLimit: Int = 1920 * 1088) {
        precondition(tileSize % 4 == 0 && tileSize > 0)
        self.engine = engine
        self.tileSize = tileSize
        let h = halo ?? engine.config.receptiveRadius
        self.halo = (h + 3) / 4 * 4
        self.untiledLimit = untiledLimit
    }

    /// Tiles as (x, y, width, height) of the kept part, covering the frame.
    func tiles(width: Int, height: Int) -> [(Int, Int, Int, Int)] {
        var out: [(Int, Int, Int, Int)] = []
        for y in stride(from: 0, to: height, by: tileSize) {
            for x in stride(from: 0, to: width, by: tileSize) {
                out.append((x, y, min(tileSize, width - x), min(tileSize, height - y)))
            }
        }
        return out
    }

    /// The region a tile is computed on: the tile grown by the halo, then slid back inside the
    /// frame so that nearly every region has the same size (one set of primitives and buffers
    /// serves all tiles; only a last row or column may differ by up to 3 pixels, for alignment).
    func region(_ t: (Int, Int, Int, Int), width: Int, height: Int) -> (Int, Int, Int, Int) {
        let side = tileSize + 2 * halo
        func span(_ start: Int, _ total: Int) -> (origin: Int, length: Int) {
            guard total > side else { return (0, total) }
            let origin = max(0, start - halo)
            if origin + side <= total { return (origin, side) }
            let slid = (total - side) / 4 * 4  // back inside the frame, on the 4-pixel grid
            return (slid, total - slid)
        }
        let x = span(t.0, width), y = span(t.1, height)
        return (x.origin, y.origin, x.length, y.length)
    }

    public func estimateIllumination(_ image: PlanarImage) throws -> PlanarImage {
        guard image.width * image.height > untiledLimit else { return try engine.estimateIllumination(image) }
        let (lw, lh) = LDFCNetEngine.illuminationSize(width: image.width, height: image.height)
        let L = PlanarImage(width: lw, height: lh, channels: 3)
        // The illumination samples of each tile itself (all offsets are multiples of 4): its
        // rectangle in the region's map and in the frame's.
        func kept(_ t: (Int, Int, Int, Int), _ r: (Int, Int, Int, Int)) -> (x: Int, y: Int, w: Int, h: Int, fx: Int, fy: Int) {
            let (tw, th) = LDFCNetEngine.illuminationSize(width: t.2, height: t.3)
            return (t.0 / 4 - r.0 / 4, t.1 / 4 - r.1 / 4, tw, th, t.0 / 4, t.1 / 4)
        }
        // A whole-frame context needs the whole frame's feature means before any tile's head:
        // a first pass sums each tile's own part of the feature map (the kept parts tile the map).
        var frameMean: [Float]?
        if engine.config.aGlobal {
            var sums = [Double](repeating: 0, count: engine.config.aCh)
            for t in tiles(width: image.width, height: image.height) {
                let r = region(t, width: image.width, height: image.height), k = kept(t, r)
                let part = try engine.featureSums(crop(image, x: r.0, y: r.1, width: r.2, height: r.3), x: k.x, y: k.y, width: k.w, height: k.h)
                for c in sums.indices { sums[c] += part[c] }
            }
            frameMean = sums.map { Float($0 / Double(lw * lh)) }
        }
        for t in tiles(width: image.width, height: image.height) {
            let r = region(t, width: image.width, height: image.height), k = kept(t, r)
            let part = try engine.estimateIllumination(crop(image, x: r.0, y: r.1, width: r.2, height: r.3), frameMean: frameMean)
            paste(part, from: (k.x, k.y), size: (k.w, k.h), into: L, at: (k.fx, k.fy))
        }
        return L
    }

    public func enhance(_ image: PlanarImage, illumination: PlanarImage) throws -> PlanarImage {
        try enhance(image, illumination: illumination, inputGain: 1)
    }

    public func enhance(_ image: PlanarImage, illumination: PlanarImage, inputGain: Float) throws -> PlanarImage {
        guard image.width * image.height > untiledLimit else {
            return try engine.enhance(image, illumination: illumination, inputGain: inputGain)
        }
        let out = PlanarImage(width: image.width, height: image.height, channels: 3)
        for t in tiles(width: image.width, height: image.height) {
            let r = region(t, width: image.width, height: image.height)
            let (lw, lh) = LDFCNetEngine.illuminationSize(width: r.2, height: r.3)
            let Lpart = crop(illumination, x: r.0 / 4, y: r.1 / 4, width: lw, height: lh)
            let part = try engine.enhance(crop(image, x: r.0, y: r.1, width: r.2, height: r.3), illumination: Lpart,
                                          inputGain: inputGain)
            paste(part, from: (t.0 - r.0, t.1 - r.1), size: (t.2, t.3), into: out, at: (t.0, t.1))
        }
        return out
    }
}

/// A copy of a rectangle of `image` (all planes).
func crop(_ image: PlanarImage, x: Int, y: Int, width: Int, height: Int) -> PlanarImage {
    let out = PlanarImage(width: width, height: height, channels: image.channels)
    for c in 0..<image.channels {
        for row in 0..<height {
            (out.plane(c) + row * width).update(from: image.plane(c) + (y + row) * image.width + x, count: width)
        }
    }
    return out
}

/// Copies a `size` rectangle at `from` in `part` to `at` in `dst`.
func paste(_ part: PlanarImage, from: (Int, Int), size: (Int, Int), into dst: PlanarImage, at: (Int, Int)) {
    for c in 0..<dst.channels {
        for row in 0..<size.1 {
            (dst.plane(c) + (at.1 + row) * dst.width + at.0)
                .update(from: part.plane(c) + (from.1 + row) * part.width + from.0, count: size.0)
        }
    }
}
