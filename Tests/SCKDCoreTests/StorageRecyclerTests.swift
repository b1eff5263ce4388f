import XCTest

@testable import SCKDCore

final class StorageRecyclerTests: XCTestCase {
    func testAFreedFrameIsReusedForTheNextOfItsSize() {
        let first = PlanarImage(width: 1280, height: 720)
        let storage = first.data
        _ = consume first
        let second = PlanarImage(uninitializedWidth: 1280, height: 720)
        XCTAssertEqual(second.data, storage, "the freed frame's storage is handed out again")
        let zeroed = PlanarImage(width: 1280, height: 720)
        XCTAssertTrue((0..<zeroed.count).allSatisfy { zeroed.data[$0] == 0 }, "recycled storage is zeroed when asked")
    }

    func testWhatIsKeptIsBounded() {
        let r = StorageRecycler.shared
        let size = 7 << 20  // a size no other test uses
        let blocks = (0..<100).map { _ in r.take(size) }
        for b in blocks { r.give(b, size) }
        var kept = Set<UnsafeMutableRawPointer>()
        for _ in 0..<100 {
            let p = r.take(size)
            if blocks.contains(p) { kept.insert(p) }
        }
        XCTAssertGreaterThan(kept.count, 0)
        XCTAssertLessThanOrEqual(kept.count * size, r.capacityBytes, "at most capacityBytes are held back")
    }

    func testMeanOfAnImage() {
        let img = PlanarImage(width: 37, height: 29, channels: 3)
        for i in 0..<img.count { img.data[i] = Float(i % 10) / 10 }
        let expected = (0..<img.count).reduce(0.0) { $0 + Double(Float($1 % 10) / 10) } / Double(img.count)
        XCTAssertEqual(img.mean(), expected, accuracy: 1e-6)
    }
}
