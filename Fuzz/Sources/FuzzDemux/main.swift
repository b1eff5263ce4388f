import Foundation
import SCKDFuzzDriver
import SCKDMedia

/// Any bytes as a video file (`sckd enhance`): every event is read until the end, with pictures
/// converted as the pipeline converts them; refusal must be a MediaError.
let path = "/dev/shm/sckd-fuzz-demux-\(getpid())"
/// Larger pictures are decoded correctly but slowly (seconds each): the size limit itself is
/// tested end to end, and here they would only crowd out the rest of the search.
let maxPixels = 1 << 22

func fuzzDemux(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: bytes, count: count)),
          let reader = try? VideoReader(path: path, maxPixels: maxPixels) else { return 0 }
    let convert = PictureToRGB(width: reader.video.width, height: reader.video.height)
    var pictures = 0
    while pictures < 8, let event = try? reader.next() {
        if case let .picture(p) = event {
            _ = convert.convert(p)
            pictures += 1
        }
    }
    return 0
}

runFuzzer { fuzzDemux($0, $1) }
