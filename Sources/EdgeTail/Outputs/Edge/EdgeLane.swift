/// One lane of an Edge sink: a FIFO of events for the identities hashed to it,
/// packed into requests one at a time, so one visitor's events are sent in order
/// and never in two requests at once.
///
/// The lane holds at most `capacity` bytes of events (queued or in flight);
/// `enqueue` waits beyond that, which is how back-pressure reaches the sources.
actor EdgeLane {
    let maxBodyBytes: Int
    let maxEvents: Int
    let linger: Duration
    let capacity: Int

    private var queue: [PendingEvent] = []
    private var head = 0
    private var oldestArrival: ContinuousClock.Instant?
    /// Bytes of events queued or being sent.
    private(set) var heldBytes = 0
    private var closed = false
    private var spaceWaiters: [CheckedContinuation<Void, Never>] = []
    private var workWaiter: CheckedContinuation<Void, Never>?

    /// Bytes of a request besides its events: `{"events":[` and `]}`.
    static let envelopeBytes = 13

    init(maxBodyBytes: Int, maxEvents: Int, linger: Duration, capacity: Int) {
        self.maxBodyBytes = maxBodyBytes
        self.maxEvents = maxEvents
        self.linger = linger
        self.capacity = capacity
    }

    var queuedCount: Int { queue.count - head }

    func enqueue(_ events: [PendingEvent]) async {
        let size = events.totalSize
        while heldBytes > 0 && heldBytes + size > capacity && !closed {
            await withCheckedContinuation { spaceWaiters.append($0) }
        }
        if queuedCount == 0 { oldestArrival = .now }
        queue.append(contentsOf: events)
        heldBytes += size
        wakeWorker()
    }

    /// The next request's events: a full request, or what is there once the oldest
    /// event waited `linger`, or everything when closing. Nil when closed and empty.
    func nextBatch() async -> [PendingEvent]? {
        while true {
            if queuedCount == 0 {
                if closed { return nil }
                await waitForWork(until: nil)
                continue
            }
            if closed || hasFullBatch || oldestArrival.map({ ContinuousClock.now - $0 >= linger }) == true {
                return takeBatch()
            }
            await waitForWork(until: (oldestArrival ?? .now) + linger)
        }
    }

    /// Frees room once a request's events are acknowledged or dead-lettered.
    func release(bytes: Int) {
        heldBytes -= bytes
        let waiters = spaceWaiters
        spaceWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
    }

    func close() {
        closed = true
        wakeWorker()
        let waiters = spaceWaiters
        spaceWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
    }

    private var hasFullBatch: Bool {
        var bytes = Self.envelopeBytes
        var count = 0
        var index = head
        while index < queue.count {
            bytes += queue[index].size + 1
            count += 1
            if bytes > maxBodyBytes || count >= maxEvents { return true }
            index += 1
        }
        return false
    }

    private func takeBatch() -> [PendingEvent] {
        var bytes = Self.envelopeBytes
        var end = head
        while end < queue.count {
            let next = bytes + queue[end].size + (end > head ? 1 : 0)
            // A single event larger than a request still leaves alone (and is dead-lettered).
            if end > head && (next > maxBodyBytes || end - head >= maxEvents) { break }
            bytes = next
            end += 1
            if bytes > maxBodyBytes { break }
        }
        let batch = Array(queue[head..<end])
        head = end
        if head > 4096 && head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
        oldestArrival = queuedCount > 0 ? .now : nil
        return batch
    }

    private func waitForWork(until deadline: ContinuousClock.Instant?) async {
        await withCheckedContinuation { continuation in
            workWaiter = continuation
            if let deadline {
                Task { [weak self] in
                    try? await Task.sleep(until: deadline)
                    await self?.wakeWorker()
                }
            }
        }
    }

    private func wakeWorker() {
        workWaiter?.resume()
        workWaiter = nil
    }
}
