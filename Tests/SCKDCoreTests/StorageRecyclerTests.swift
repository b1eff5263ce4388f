import XCTest

@testable import SCKDCore

final class StorageRecyclerTests: XCTestCase {
    func testAFreedBlockIsReusedForTheNextOfItsSize() {
        let r = StorageRecycler()
        let size = 1280 * 720 * 3 * 4
        let p = r.take(size)
        r.give(p, size)
        XCTAssertEqual(r.take(size), p)
        XCTAssertEqual(r.keptBytes, 0)
        let small = r.take(1024)  // small blocks are malloc's business
        r.give(small, 1024)
        XCTAssertEqual(r.keptBytes, 0)
    }

    func testWhatIsKeptIsBounded() {
        let r = StorageRecycler()
        let size = 7 << 20
        let blocks = (0..<100).map { _ in r.take(size) }
        for b in blocks { r.give(b, size) }
        XCTAssertEqual(r.keptBytes, (r.capacityBytes / size) * size, "as many as fit, no more")
        XCTAssertTrue(blocks.contains(r.take(size)))
    }

    func testImagesOnRecycledStorageAreZeroedWhenAskedFor() {
        for _ in 0..<3 {
            let dirty = PlanarImage(uninitializedWidth: 640, height: 480)
            dirty.data.update(repeating: 0.7, count: dirty.count)
        }
        let zeroed = PlanarImage(width: 640, height: 480)
        XCTAssertTrue((0..<zeroed.count).allSatisfy { zeroed.data[$0] == 0 })
    }

    func testMeanOfAnImage() {
        let img = PlanarImage(width: 37, height: 29, channels: 3)
        for i in 0..<img.count { img.data[i] = Float(i % 10) / 10 }
        let expected = (0..<img.count).reduce(0.0) { $0 + Double(Float($1 % 10) / 10) } / Double(img.count)
        XCTAssertEqual(img.mean(), expected, accuracy: 1e-6)
    }
}
