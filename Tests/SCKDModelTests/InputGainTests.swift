import Foundation
import SCKDCore
import XCTest

@testable import SCKDModel

/// The exposure gain folded into phase B's first pass equals exposing the picture first.
final class InputGainTests: XCTestCase {
    func testGainInsideTheEngineEqualsAnExposedPicture() throws {
        for model in ["ldfc-net", "ldfc-net-rt"] {
            let engine = try LDFCNetEngine(weights: LDFCNetWeights(path: "\(weightsDirectory)/\(model).safetensors"), threads: 2)
            let (w, h) = (61, 43)
            let x = PlanarImage(width: w, height: h)
            for i in 0..<x.count { x.data[i] = Float((i &* 2654435761) % 1000) / 2000 }  // up to 0.5: some clip at 2.3x
            let L = try engine.estimateIllumination(x)
            for gain: Float in [0.6, 1.3, 2.3] {
                let folded = try engine.enhance(x, illumination: L, inputGain: gain)
                let exposed = try engine.enhance(x.exposed(by: gain), illumination: L)
                var worst: Float = 0
                for i in 0..<folded.count { worst = max(worst, abs(folded.data[i] - exposed.data[i])) }
                XCTAssertLessThanOrEqual(worst, 1e-5, "\(model) gain \(gain)")
            }
            let one = try engine.enhance(x, illumination: L, inputGain: 1)
            let plain = try engine.enhance(x, illumination: L)
            XCTAssertTrue((0..<one.count).allSatisfy { one.data[$0] == plain.data[$0] })
        }
    }
}
