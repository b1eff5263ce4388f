import Foundation
import SCKDFuzzDriver
import SCKDMedia

/// Any bytes as a picture file (`sckd image`, `sckd eval`): decoded or refused with a MediaError.
/// FFmpeg reads files, so each input goes through one in memory-backed /dev/shm.
let path = "/dev/shm/sckd-fuzz-image-\(getpid())"
/// Larger pictures are decoded correctly but slowly (seconds each): the size limit itself is
/// tested end to end, and here they would only crowd out the rest of the search.
let maxPixels = 1 << 22

func fuzzStillImage(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: bytes, count: count)) else { return 0 }
    if let picture = try? StillImage.read(path, maxPixels: maxPixels) {
        precondition(picture.width > 0 && picture.height > 0, "a decoded picture has a size")
    }
    return 0
}

runFuzzer { fuzzStillImage($0, $1) }
