import NIOCore

/// One lane of an Edge sink: a FIFO of events for the identities hashed to it,
/// packed into requests one at a time, so one visitor's events are sent in order
/// and never in two requests at once.
///
/// How much a lane holds is decided by the sink's `EventBuffer`, which hands events
/// on only while its memory budget allows. The queue is a ring buffer, so an event
/// taken out is released at once: an event shares its batch's JSON with its
/// neighbours, and one left in a stale slot would keep the whole batch alive outside
/// the memory budget.
actor EdgeLane {
    let maxBodyBytes: Int
    let maxEvents: Int
    let linger: Duration

    private var queue = CircularBuffer<PendingEvent>()
    /// The JSON bytes of the queued events, to tell a full request without a scan.
    private var queuedSize = 0
    private var oldestArrival: ContinuousClock.Instant?
    /// Bytes of events queued or being sent.
    private(set) var heldBytes = 0
    private var closed = false
    /// Everything there is has been read (`--once`): a partial request leaves at once
    /// instead of waiting out `linger` for events that will not come.
    private var hurrying = false
    /// The request being sent, until it is finished.
    private var inFlight: [PendingEvent] = []
    /// Given when events arrive or the lane closes or hurries: the worker waits on it.
    private nonisolated let work = ChangeSignal()

    /// Bytes of a request besides its events: `{"events":[` and `]}`.
    static let envelopeBytes = 13

    init(maxBodyBytes: Int, maxEvents: Int, linger: Duration) {
        self.maxBodyBytes = maxBodyBytes
        self.maxEvents = maxEvents
        self.linger = linger
    }

    var queuedCount: Int { queue.count }

    func enqueue(_ events: [PendingEvent]) {
        let size = events.totalSize
        let wasEmpty = queue.isEmpty
        if wasEmpty { oldestArrival = .now }
        queue.append(contentsOf: events)
        queuedSize += size
        heldBytes += size
        // The worker waits for a first event, then for `linger` or a full request:
        // events joining a partial request change neither, so they do not wake it
        // (at a steady trickle that is one wake a request instead of one a read).
        if wasEmpty || hasFullBatch { wakeWorker() }
    }

    /// The next request's events: a full request, or what is there once the oldest
    /// event waited `linger`, or everything when closing. Nil when closed and empty.
    /// Nil too when the task is cancelled.
    func nextBatch() async -> [PendingEvent]? {
        while !Task.isCancelled {
            // Read before looking, so an event enqueued meanwhile ends the wait at once.
            let seen = work.generation
            if queuedCount == 0 {
                if closed { return nil }
                await work.wait(after: seen)
                continue
            }
            if closed || hurrying || hasFullBatch || oldestArrival.map({ ContinuousClock.now - $0 >= linger }) == true {
                return takeBatch()
            }
            await work.wait(after: seen, until: (oldestArrival ?? .now) + linger)
        }
        return nil
    }

    /// The request's events are delivered or dead-lettered.
    func finished(_ events: [PendingEvent]) {
        heldBytes -= events.totalSize
        inFlight = []
    }

    func close() {
        closed = true
        wakeWorker()
    }

    /// No more events are coming soon: send partial requests without lingering.
    func hurry() {
        hurrying = true
        wakeWorker()
    }

    /// What was not finished (the request in flight, then the queue), at shutdown.
    func unfinished() -> [PendingEvent] {
        let rest = inFlight + queue
        inFlight = []
        queue = CircularBuffer()
        queuedSize = 0
        return rest
    }

    /// Events held here that came from a source (not from disk), oldest first.
    func waitingFromSources() -> [PendingEvent] {
        (inFlight + queue).filter { $0.serial != 0 }
    }

    /// When the oldest event held here entered the buffer.
    var oldestEnteredAt: Double? {
        let first = inFlight.first ?? queue.first
        return first?.enteredAt
    }

    /// What is queued fills a request: `maxEvents`, or more than `maxBodyBytes` with
    /// the envelope and a comma an event.
    private var hasFullBatch: Bool {
        queue.count >= maxEvents || Self.envelopeBytes + queuedSize + queue.count > maxBodyBytes
    }

    private func takeBatch() -> [PendingEvent] {
        var bytes = Self.envelopeBytes
        var batch: [PendingEvent] = []
        while let first = queue.first {
            let next = bytes + first.size + (batch.isEmpty ? 0 : 1)
            // A single event larger than a request still leaves alone (and is dead-lettered).
            if !batch.isEmpty && (next > maxBodyBytes || batch.count >= maxEvents) { break }
            bytes = next
            queuedSize -= first.size
            batch.append(queue.removeFirst())
            if bytes > maxBodyBytes { break }
        }
        inFlight = batch
        oldestArrival = queuedCount > 0 ? .now : nil
        return batch
    }

    private func wakeWorker() {
        work.signal()
    }
}
