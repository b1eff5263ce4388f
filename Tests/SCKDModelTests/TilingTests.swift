import SCKDCore
import XCTest

@testable import SCKDModel

final class TilingTests: XCTestCase {
    /// A deterministic dark test picture with structure at every scale.
    func picture(width: Int, height: Int) -> PlanarImage {
        let img = PlanarImage(width: width, height: height)
        for c in 0..<3 {
            for y in 0..<height {
                for x in 0..<width {
                    let v = 0.08 + 0.06 * sin(Double(x) * 0.07 + Double(c)) * cos(Double(y) * 0.05) + (((x * 7 + y * 13 + c) % 17) == 0 ? 0.1 : 0)
                    img[c, y, x] = Float(v)
                }
            }
        }
        return img
    }

    func testTiledEqualsUntiled() throws {
        // ldfc-net-rt-g: every tile's phase A must use the whole frame's feature means.
        for (model, directory) in engineNetworks {
            let engine = try LDFCNetEngine(weights: LDFCNetWeights(path: "\(directory)/\(model).safetensors"), threads: 2)
            // Odd size, several tiles in each direction, edge tiles of every shape.
            let x = picture(width: 301, height: 203)
            let whole = try engine.enhance(x)
            let tiled = TiledEnhancer(engine: engine, tileSize: 96, untiledLimit: 0)
            XCTAssertGreaterThan(tiled.tiles(width: 301, height: 203).count, 6)
            let L = try tiled.estimateIllumination(x)
            let Lwhole = try engine.estimateIllumination(x)
            var errL: Float = 0
            for i in 0..<L.count { errL = max(errL, abs(L.data[i] - Lwhole.data[i])) }
            XCTAssertLessThanOrEqual(errL, 1e-5, model)
            let y = try tiled.enhance(x, illumination: L)
            var err: Float = 0
            for i in 0..<y.count { err = max(err, abs(y.data[i] - whole.data[i])) }
            XCTAssertLessThanOrEqual(err, 1e-5, model)
        }
    }
}
