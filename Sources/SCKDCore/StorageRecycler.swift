#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps the storage of freed large images for the next image of the same size.
///
/// A video pipeline frees and allocates a few 11 MB images per 1280x720 frame, on different
/// threads, and glibc often serves them with fresh mmaps whose pages the kernel must fault in and
/// zero. Measured on 120 frames of 1280x720 through ldfc-net-rt: 1,790 page faults per frame
/// without this, 1,010 with it (the CPU time per frame moved by less than the run-to-run noise;
/// most faults had come from a queue that kept popped frames alive, fixed in BoundedQueue). Blocks of at least `minimumBytes` are kept, up to
/// `capacityBytes` in all; beyond that they go back to the system, so memory stays bounded.
final class StorageRecycler: @unchecked Sendable {  // state behind `mutex`
    static let shared = StorageRecycler()

    let minimumBytes = 1 << 20
    let capacityBytes = 256 << 20
    private var mutex = pthread_mutex_t()
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var kept = 0

    /// Bytes held for reuse now.
    var keptBytes: Int {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return kept
    }

    init() { pthread_mutex_init(&mutex, nil) }

    deinit {
        for blocks in free.values { for p in blocks { p.deallocate() } }
        pthread_mutex_destroy(&mutex)
    }

    /// 64-byte aligned storage of `byteCount` bytes, contents unspecified.
    func take(_ byteCount: Int) -> UnsafeMutableRawPointer {
        if byteCount >= minimumBytes {
            pthread_mutex_lock(&mutex)
            let p = free[byteCount]?.popLast()
            if p != nil { kept -= byteCount }
            pthread_mutex_unlock(&mutex)
            if let p { return p }
        }
        return UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
    }

    func give(_ p: UnsafeMutableRawPointer, _ byteCount: Int) {
        if byteCount >= minimumBytes {
            pthread_mutex_lock(&mutex)
            let keep = kept + byteCount <= capacityBytes
            if keep {
                free[byteCount, default: []].append(p)
                kept += byteCount
            }
            pthread_mutex_unlock(&mutex)
            if keep { return }
        }
        p.deallocate()
    }
}
