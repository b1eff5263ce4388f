import Foundation

/// A counting semaphore that can be cancelled: bounds how many frames a worker pool may hold
/// between taking them from its input queue and the ordered stage after it delivering them.
///
/// The queues alone do not bound that: an ordered stage keeps frames that arrive early until the
/// one it waits for comes, so while one worker is slow on frame n (its first frame, a page fault
/// storm, a descheduled core) the others can run arbitrarily far ahead. Measured before this
/// existed: 66 decoded 1280x720 frames (730 MB) alive at once at the start of a run. A worker
/// enters before it takes a frame; the ordered stage leaves when it consumes one, in order. Frames
/// are taken in order, so the frame the ordered stage waits for always holds a place: no deadlock.
final class InFlightLimit: @unchecked Sendable {  // state behind `condition`
    let size: Int
    private var inFlight = 0
    private var cancelled = false
    private let condition = NSCondition()
    /// Most frames in flight at once.
    private(set) var peak = 0

    init(size: Int) {
        precondition(size > 0)
        self.size = size
    }

    /// Waits for a place; false once cancelled.
    func enter() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while inFlight >= size && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        inFlight += 1
        peak = max(peak, inFlight)
        return true
    }

    /// A place is free again (the frame was delivered in order, or none was taken).
    func leave() {
        condition.lock()
        inFlight -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Wakes and refuses every waiter: for tearing down after an error.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Delivers numbered items in number order, whatever order they arrive in, freeing each one's
/// place in the in-flight limit of the pool that produced it as it is delivered.
struct OrderedDelivery<Item> {
    private var waiting: [Int: Item] = [:]
    /// How many items have been delivered: the number of the next one due.
    private(set) var delivered = 0
    let limit: InFlightLimit

    init(limit: InFlightLimit) { self.limit = limit }

    /// Takes item `n`, then hands every item now due to `deliver`, in order; false as soon as
    /// `deliver` is (the stage downstream has shut).
    mutating func accept(_ n: Int, _ item: Item, deliver: (Int, Item) throws -> Bool) rethrows -> Bool {
        waiting[n] = item
        while let due = waiting.removeValue(forKey: delivered) {
            limit.leave()
            guard try deliver(delivered, due) else { return false }
            delivered += 1
        }
        return true
    }
}
