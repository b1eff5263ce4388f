import Foundation

/// What a full queue does with a new item.
public enum OverflowPolicy: Sendable {
    /// Wait for room: files, where every frame matters (back-pressure up to the source).
    case block
    /// Drop the oldest queued item: live sources, where latency matters more than completeness.
    case dropOldest
}

/// A bounded, closable, thread-safe FIFO: the only way pipeline threads talk to each other
/// (FFmpeg's fftools scheduler model). Memory stays flat whatever the stream length.
public final class BoundedQueue<Element>: @unchecked Sendable {
    public let capacity: Int
    public let policy: OverflowPolicy
    /// Slots before `head` are popped and hold nil: a popped frame must not stay referenced here
    /// until the next compaction (that kept dozens of full frames alive per queue).
    private var items: [Element?] = []
    private var head = 0
    private var closed = false
    private let condition = NSCondition()
    /// Items dropped by `.dropOldest`.
    public private(set) var dropped = 0
    /// Highest occupancy seen.
    public private(set) var peak = 0
    private var occupancySum = 0
    private var pushes = 0

    public init(capacity: Int, policy: OverflowPolicy = .block) {
        precondition(capacity > 0)
        self.capacity = capacity
        self.policy = policy
    }

    private var count: Int { items.count - head }

    /// Adds an item; returns what `.dropOldest` pushed out (nil otherwise). Returns false (and
    /// drops the item) once the queue is closed.
    @discardableResult
    public func push(_ item: Element, onDrop: ((Element) -> Void)? = nil) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !closed && count >= capacity {
            if policy == .dropOldest {
                let old = items[head]!
                items[head] = nil
                head += 1
                dropped += 1
                onDrop?(old)
            } else {
                condition.wait()
            }
        }
        guard !closed else { return false }
        items.append(item)
        pushes += 1
        occupancySum += count
        peak = max(peak, count)
        condition.broadcast()
        return true
    }

    /// The next item, waiting for one; nil once the queue is closed and empty.
    public func pop() -> Element? { popNumbered()?.1 }

    private var popped = 0

    /// Like `pop`, with the item's position in pop order (0, 1, 2, …), taken under the same lock:
    /// items that were dropped get no number, so numbers have no gaps.
    public func popNumbered() -> (Int, Element)? {
        condition.lock()
        defer { condition.unlock() }
        while count == 0 && !closed { condition.wait() }
        guard count > 0 else { return nil }
        let item = items[head]!
        items[head] = nil
        head += 1
        if head > 64 && head * 2 > items.count {  // compact now and then
            items.removeFirst(head)
            head = 0
        }
        let number = popped
        popped += 1
        condition.broadcast()
        return (number, item)
    }

    /// No more items will be pushed; poppers drain what is left, then get nil.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Drops everything and closes: for tearing down after an error.
    public func cancel() {
        condition.lock()
        closed = true
        items.removeAll()
        head = 0
        condition.broadcast()
        condition.unlock()
    }

    /// Mean occupancy at push time.
    public var meanOccupancy: Double {
        condition.lock()
        defer { condition.unlock() }
        return pushes > 0 ? Double(occupancySum) / Double(pushes) : 0
    }
}
