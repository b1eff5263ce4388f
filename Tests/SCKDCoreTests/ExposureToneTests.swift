import XCTest

@testable import SCKDCore

/// How bright the result is: dark pictures take the network's lift, bright ones stay, lights do
/// not clip.
final class ExposureToneTests: XCTestCase {
    func picture(_ w: Int = 96, _ h: Int = 64, _ value: (Int, Int) -> Float) -> PlanarImage {
        let p = PlanarImage(width: w, height: h)
        for c in 0..<3 { for y in 0..<h { for x in 0..<w { p[c, y, x] = value(x, y) } } }
        return p
    }

    /// A stand-in for a network trained on LOL-v1: lifts everything 4x in coded values, clipping.
    func lifted(_ p: PlanarImage) -> PlanarImage {
        let out = PlanarImage(width: p.width, height: p.height)
        for i in 0..<p.count { out.data[i] = min(1, 4 * p.data[i]) }
        return out
    }

    func mean(_ p: PlanarImage) -> Float { Float(p.mean()) }

    func testADarkPictureTakesTheNetworksFullLift() {
        let dark = picture { x, y in 0.03 + 0.02 * Float((x + y) % 5) / 4 }
        let out = lifted(dark)
        let expected = lifted(dark)
        ExposureTone().apply(input: dark, enhanced: out)
        for i in 0..<out.count { XCTAssertEqual(out.data[i], expected.data[i], accuracy: 1e-5) }
    }

    func testAWellExposedPictureGoesThroughAlmostUnchanged() {
        let bright = picture { x, y in 0.35 + 0.4 * Float(x) / 96 + 0.05 * Float(y % 3) }
        let out = lifted(bright)
        ExposureTone().apply(input: bright, enhanced: out)
        XCTAssertLessThanOrEqual(mean(out) / mean(bright), 1.15)
        var clippedIn = 0, clippedOut = 0
        for i in 0..<out.count { clippedIn += bright.data[i] >= 0.98 ? 1 : 0; clippedOut += out.data[i] >= 0.98 ? 1 : 0 }
        XCTAssertLessThanOrEqual(clippedOut, clippedIn + out.count / 50)
    }

    func testALightSourceInTheDarkDoesNotClipAndKeepsItsShape() {
        // A dark street with a lamp: the network would push the lamp and its glow to white.
        let scene = picture { x, y in
            let d = Float((x - 70) * (x - 70) + (y - 20) * (y - 20)).squareRoot()
            return min(0.9, 0.04 + 0.86 * exp(-d / 6))
        }
        let out = lifted(scene)
        ExposureTone().apply(input: scene, enhanced: out)
        var white = 0
        for i in 0..<out.count where out.data[i] >= 0.98 { white += 1 }
        XCTAssertEqual(white, 0, "nothing the input had below white is pushed to white")
        XCTAssertGreaterThanOrEqual(out[0, 20, 70], scene[0, 20, 70], "never darker than the input")
        XCTAssertGreaterThan(out[0, 20, 70], out[0, 20, 76], "the lamp stays brighter than its glow")
        XCTAssertGreaterThan(out[0, 60, 10] / scene[0, 60, 10], 2.5, "the dark street is still lifted")
    }

    func testANightStreetKeepsItsVisibleSkyAndLiftsItsShadows() {
        // The proportions of a city at night: a grey sky the viewer already sees (coded 0.29) over
        // dark buildings. Lifting the sky as far as the shadows turns the night into fog.
        let street = picture(192, 108) { _, y in y < 65 ? 0.29 : 0.07 }
        let network = lifted(street), out = lifted(street)
        ExposureTone().apply(input: street, enhanced: out)
        func share(_ y: Int, _ x: Int) -> Float { (out[1, y, x] - street[1, y, x]) / (network[1, y, x] - street[1, y, x]) }
        XCTAssertLessThan(share(10, 96), 0.5, "the sky takes less than half the network's lift")
        XCTAssertGreaterThan(share(100, 96), 0.9, "the shadows take nearly all of it")
        XCTAssertGreaterThan(out[1, 10, 96], out[1, 100, 96], "the sky stays brighter than the buildings")
    }

    func testExposureScalesTheLift() {
        let dark = picture { _, _ in 0.05 }
        let none = lifted(dark), half = lifted(dark), full = lifted(dark)
        ExposureTone(exposure: 0).apply(input: dark, enhanced: none)
        ExposureTone(exposure: 0.5).apply(input: dark, enhanced: half)
        ExposureTone(exposure: 1).apply(input: dark, enhanced: full)
        XCTAssertEqual(mean(none), 0.05, accuracy: 1e-5, "0 keeps the input")
        XCTAssertEqual(mean(half), 0.125, accuracy: 1e-4, "half-way in coded values")
        XCTAssertEqual(mean(full), 0.2, accuracy: 1e-4)
    }

    func testTextureKeepsItsOrderThroughTheKnee() {
        // Fine texture running through the knee, the same everywhere (every region alike): a
        // brighter input pixel never comes out darker than a dimmer one.
        let texture = picture(256, 64) { x, _ in Float(x % 32) / 31 * 0.9 }
        let out = lifted(texture)
        ExposureTone().apply(input: texture, enhanced: out)
        for x in 1..<32 { XCTAssertGreaterThanOrEqual(out[1, 30, 96 + x], out[1, 30, 96 + x - 1] - 1e-6, "at \(x)") }
    }
}
