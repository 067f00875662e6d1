import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import ServiceLifecycle
import Synchronization

/// Sends events to the Edge Network's `POST /ee/v2/collect` in batches.
///
/// Events are routed to lanes by a hash of their primary identity; each lane sends
/// one request at a time, so a visitor's events arrive in the order they were read.
/// What each answer leads to is `EdgeResponsePolicy`'s decision (retry, re-mint,
/// split, isolate, dead-letter or stop), made by the documented EXEG code; this type
/// carries it out. Delivered events are written to the `DeliveryLog`, so a restart
/// after a crash sends again only what was in flight.
///
/// Nothing runs until its owner runs it: `runUntilDrained()` (or, in a `ServiceGroup`,
/// `run()`) holds a worker per lane and the buffer's own loops as child tasks, and
/// returns once `drain()` has delivered or persisted what it could.
public final class EdgeSink: EventSink, Service, @unchecked Sendable {
    public let name: String
    public let configuration: EdgeSinkConfiguration
    public let statistics = EdgeSinkStatistics()
    public let deadLetters: DeadLetterStore
    /// Each request's duration, for the latency histogram of `/metrics`.
    public let requestLatency = RequestLatencyRecorder()
    let logger: Logger
    /// One connection per lane: a lane sends one request at a time.
    let connections: [HTTPConnection]
    let credentials: EdgeCredentials
    let limiter: RequestUnitLimiter?
    let lanes: [EdgeLane]
    let buffer: EventBuffer
    /// `/ee/v2/collect?datastreamId=…`, to which each request adds its `requestId`.
    let collectTarget: String
    /// Keys of delivered events; nil for a sink that must not write beside a running daemon.
    let deliveryLog: DeliveryLog?
    /// The longest run of 500s that bisecting one bad event out of a full request causes.
    let bisectionDepth: Int
    let activity: ChangeSignal?
    private let progress = Mutex((serverErrorStreak: 0, successes: 0))
    /// Codes of `errors[]`/`warnings[]` already logged once.
    private let noticesLogged = Mutex<Set<String>>([])
    private let stopped = Mutex(false)
    private let finishedWorkers = Mutex(0)
    /// Given each time a lane worker ends, for `drain`.
    private let workerExits = ChangeSignal()

    private enum Phase { case idle, running, draining, drained }
    private let phase = Mutex(Phase.idle)
    /// Set by `drain` when the shutdown timeout passed: `runUntilDrained` cancels the workers.
    private let abandoned = ChangeSignal()
    /// Set once `drain` has finished.
    private let drained = ChangeSignal()

    public struct FatalError: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { "edge sink stopped: \(reason)" }
    }

    /// Where a sink's buffer segments live.
    public static func bufferDirectory(dataDirectory: String, sink: String) -> String {
        let safe = String(sink.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        return ((dataDirectory as NSString).appendingPathComponent("buffer") as NSString).appendingPathComponent(safe)
    }

    /// - Parameter diskBuffer: false for a sink that must not touch the buffer on
    ///   disk (a dead-letter replay beside a running daemon).
    public convenience init(name: String, configuration: EdgeSinkConfiguration, dataDirectory: String, logger: Logger,
                            diskBuffer: Bool = true) throws {
        try self.init(name: name, configuration: configuration, dataDirectory: dataDirectory, logger: logger,
                      diskBuffer: diskBuffer, activity: nil)
    }

    /// - Parameter activity: signalled when a request ends or the buffer fills or
    ///   frees, for whoever logs the sink's state changes.
    init(name: String, configuration: EdgeSinkConfiguration, dataDirectory: String, logger: Logger,
         diskBuffer: Bool, activity: ChangeSignal?) throws {
        self.name = name
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "sink"] = "\(name)"
        self.logger = logger
        deadLetters = DeadLetterStore(dataDirectory: dataDirectory, sink: name)
        var endpointURL = configuration.endpoint
        while endpointURL.hasSuffix("/") { endpointURL.removeLast() }
        let endpoint: HTTPEndpoint
        do {
            endpoint = try HTTPEndpoint(url: endpointURL + "/ee/v2/collect?datastreamId=" + EdgeCredentials.formEncode(configuration.datastreamID)
                                        + (configuration.silent ? "&silent=true" : ""))
        } catch {
            throw FatalError(reason: "endpoint \(configuration.endpoint): \(error)")
        }
        collectTarget = endpoint.target
        let linger = Duration.milliseconds(Int(configuration.linger * 1000))
        batchingWindow = linger
        lanes = (0..<configuration.lanes).map { _ in
            EdgeLane(maxBodyBytes: configuration.maxBytes, maxEvents: configuration.maxEvents, linger: linger)
        }
        bisectionDepth = Int(log2(Double(max(configuration.maxEvents, 2))).rounded(.up)) + 1
        var bufferConfiguration = configuration.buffer
        if !diskBuffer { bufferConfiguration.diskBytes = 0 }
        let deliveryLog = diskBuffer ? try DeliveryLog(path: DeliveryLog.path(dataDirectory: dataDirectory, sink: name)) : nil
        self.deliveryLog = deliveryLog
        buffer = try EventBuffer(configuration: bufferConfiguration,
                                 directory: Self.bufferDirectory(dataDirectory: dataDirectory, sink: name),
                                 lanes: lanes, requestBytes: configuration.maxBytes, deliveryLog: deliveryLog,
                                 statistics: statistics, activity: activity, logger: self.logger)
        self.activity = activity
        // One TLS context (trust roots read once) for every connection that needs it.
        var tls: NIOSSLContext?
        let tokenEndpoint = configuration.auth.tokenURL.flatMap { try? HTTPEndpoint(url: $0) }
        if endpoint.usesTLS || tokenEndpoint?.usesTLS == true {
            do {
                tls = try HTTPConnection.clientTLS()
            } catch {
                throw FatalError(reason: "\(error)")
            }
        }
        connections = (0..<configuration.lanes).map { _ in HTTPConnection(endpoint: endpoint, tls: tls) }
        credentials = EdgeCredentials(configuration: configuration.auth, tls: tls)
        limiter = configuration.maxRequestUnitsPerSecond.map { RequestUnitLimiter(unitsPerSecond: $0, upstreams: configuration.upstreams) }
    }

    // MARK: Running

    /// The sink's work — one worker per lane, the buffer's disk reader and fsync timer —
    /// as child tasks, until `drain()` has closed the buffer. Its owner runs it beside
    /// the pipelines that submit here and drains the sink once they have stopped.
    /// Cancelled, it ends at once: what is unsent stays unacknowledged and is read again.
    public func runUntilDrained() async {
        let starts = phase.withLock { phase -> Bool in
            guard phase == .idle else { return false }
            phase = .running
            return true
        }
        guard starts else { return }
        enum Child { case lane, buffer, abandon }
        await withTaskGroup(of: Child.self) { group in
            group.addTask {
                await self.buffer.run()
                return .buffer
            }
            for (index, lane) in lanes.enumerated() {
                group.addTask {
                    await self.work(lane, index: index)
                    return .lane
                }
            }
            group.addTask {
                await self.abandoned.waitUntilSignalled()
                return .abandon
            }
            while let child = await group.next() {
                switch child {
                case .lane: continue
                // `drain` stopped waiting: requests in flight and backoffs end now.
                case .abandon: group.cancelAll()
                // `drain` closed the buffer: nothing is left to wait for.
                case .buffer: group.cancelAll()
                }
            }
        }
    }

    /// `Service`: runs the sink until its `ServiceGroup` shuts down gracefully, then
    /// drains it; or until someone else drained it. In a group, it goes before the
    /// services that submit to it, so that it shuts down after they have stopped.
    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.runUntilDrained() }
            group.addTask {
                // Cancelled by a graceful shutdown; returns by itself once drained.
                await cancelWhenGracefulShutdown { await self.drained.waitUntilSignalled() }
                if !self.drained.hasChanged && !Task.isCancelled { try await self.drain() }
            }
            try await group.waitForAll()
        }
    }

    /// Lets go of a sink that never ran and never will (its configuration could not be
    /// completed): it opened no connection; its buffer, holding nothing, lets go of its
    /// directory when the sink is released.
    func discard() {}

    /// One lane's worker: sends the lane's requests one after the other until the lane
    /// is closed and empty, the sink stops, or the task is cancelled.
    private func work(_ lane: EdgeLane, index: Int) async {
        while !Task.isCancelled, let batch = await lane.nextBatch() {
            await deliver(batch, lane: index)
            if Task.isCancelled || stopped.withLock({ $0 }) { break }
            await lane.finished(batch)
            await buffer.released(batch)
        }
        finishedWorkers.withLock { $0 += 1 }
        workerExits.signal()
    }

    public func submit(_ batch: EventBatch) async throws {
        if let reason = statistics.snapshot.fatalError { throw FatalError(reason: reason) }
        let now = Date().timeIntervalSince1970
        let chunk = EventChunk(bytes: batch.bytes, acknowledgement: batch.acknowledgement)
        let events = batch.events.map { event in
            PendingEvent(chunk: chunk, range: event.range, namespace: event.identityNamespace, identityHash: event.identityHash,
                         enteredAt: now)
        }
        await buffer.submit(events)
        if let reason = statistics.snapshot.fatalError { throw FatalError(reason: reason) }
    }

    /// Waits until the buffer is empty, giving up when `shutdown_timeout` passes
    /// without a single event delivered or dead-lettered (then `drain` leaves the
    /// rest on disk for the next run). It sleeps until the buffer says something
    /// was released or acknowledged, and looks again only then.
    public func flush() async {
        // Everything is read: what waits in a lane goes now, not after `linger`.
        for lane in lanes { await lane.hurry() }
        let patience = Duration.milliseconds(Int(max(configuration.shutdownTimeout, 1) * 1000))
        var settled = -1
        var deadline = ContinuousClock.now + patience
        while true {
            let seen = buffer.changes.generation
            let snapshot = statistics.snapshot
            if snapshot.fatalError != nil { return }
            if await buffer.isEmpty { return }
            let now = snapshot.eventsDelivered + snapshot.eventsDeadLettered
            if now != settled {
                settled = now
                deadline = .now + patience
            } else if ContinuousClock.now >= deadline {
                logger.warning("no delivery progress for \(configuration.shutdownTimeout) s; what is left stays in the buffer")
                return
            }
            await buffer.changes.wait(after: seen, until: deadline)
        }
    }

    public func stopWaiting() {
        buffer.stopAccepting()
    }

    /// `linger`, which each lane waits to fill a request.
    public let batchingWindow: Duration

    /// Sends what is queued for up to `shutdown_timeout`, then writes what is still
    /// unsent to the disk buffer (acknowledging it, so checkpoints may advance);
    /// without a disk buffer it stays unacknowledged and is read again next start.
    public func drain() async throws {
        try await drain(timeout: .milliseconds(Int(configuration.shutdownTimeout * 1000)))
    }

    /// Drains once; a second call waits for the first. A sink never run is closed
    /// without waiting: what its lanes hold goes to the disk buffer.
    public func drain(timeout: Duration) async throws {
        let before = phase.withLock { phase -> Phase in
            defer { if phase == .idle || phase == .running { phase = .draining } }
            return phase
        }
        guard before == .idle || before == .running else {
            await drained.waitUntilSignalled()
            if let reason = statistics.snapshot.fatalError { throw FatalError(reason: reason) }
            return
        }
        await buffer.stopReading()
        for lane in lanes { await lane.close() }
        let deadline = ContinuousClock.now + timeout
        while before == .running && ContinuousClock.now < deadline {
            let seen = workerExits.generation
            if finishedWorkers.withLock({ $0 }) >= lanes.count { break }
            await workerExits.wait(after: seen, until: deadline)
        }
        if finishedWorkers.withLock({ $0 }) < lanes.count {
            stopped.withLock { $0 = true }
            if before == .running {
                abandoned.signal()
                while true {
                    let seen = workerExits.generation
                    if finishedWorkers.withLock({ $0 }) >= lanes.count { break }
                    await workerExits.wait(after: seen)
                }
            }
            var unfinished: [PendingEvent] = []
            for lane in lanes { unfinished += await lane.unfinished() }
            let persisted = await buffer.persistUndelivered(unfinished)
            statistics.update { $0.unsentAtStop += persisted.notWritten }
            if before == .running || !unfinished.isEmpty {
                logger.warning("shutdown timeout reached with events unsent", metadata: [
                    "unsent": "\(unfinished.count)", "writtenToDisk": "\(persisted.written)",
                    "readAgainNextStart": "\(persisted.notWritten)"])
            }
        }
        await buffer.close()
        for connection in connections { await connection.close() }
        phase.withLock { $0 = .drained }
        drained.signal()
        if let reason = statistics.snapshot.fatalError { throw FatalError(reason: reason) }
    }

    // MARK: Delivery

    /// Delivers one request's events, carrying out what `EdgeResponsePolicy` decides
    /// for each answer: the queue holds the requests still to send, in order.
    private func deliver(_ events: [PendingEvent], lane: Int) async {
        var queue: [[PendingEvent]] = [events]
        var backoff = RetryBackoff(base: configuration.retryBase, cap: configuration.retryCap)
        var tokenRenewed = false
        var transientFailures = 0
        /// Successful requests of the sink when this delivery first met a 500.
        var successesAtFirstServerError: Int?
        let canRenewToken = credentials.canRenew
        while let group = queue.first {
            if Task.isCancelled || stopped.withLock({ $0 }) { return }
            let body = group.requestBody()
            if body.readableBytes > configuration.maxBytes {
                if group.count > 1 {
                    replaceFirst(&queue, with: halves(group))
                } else {
                    await deadLetter(group, reason: "event of \(group.totalSize) bytes exceeds the request limit (max_bytes \(configuration.maxBytes))", status: nil, response: nil)
                    queue.removeFirst()
                }
                continue
            }
            let requestID = UUIDText.random()
            let outcome = await post(body, requestID: requestID, lane: lane)
            var attempt = EdgeResponsePolicy.Attempt(events: group.count, canRenewToken: canRenewToken, tokenRenewed: tokenRenewed,
                                                     bisectionDepth: bisectionDepth, othersWaiting: queue.count > 1)
            let progress = record(outcome, requestID: requestID, lane: lane, events: group.count)
            attempt.serverErrorStreak = progress.serverErrorStreak
            if progress.serverErrorStreak > 0 && successesAtFirstServerError == nil {
                successesAtFirstServerError = progress.successes
            }
            attempt.serviceConfirmed = successesAtFirstServerError.map { progress.successes > $0 } ?? false
            let action = EdgeResponsePolicy.decide(outcome, attempt)
            switch action {
            case .delivered:
                deliveryLog?.record(group.compactMap { DeliveryLog.key(ofEvent: $0.json) })
                statistics.recordEvents(group, outcome: "delivered")
                await buffer.settle(group, accepted: true)
                queue.removeFirst()
                backoff.reset()
                transientFailures = 0
                tokenRenewed = false
            case .retry(let after):
                await buffer.endpointFailing()
                transientFailures += 1
                if configuration.maxRetries > 0 && transientFailures > configuration.maxRetries {
                    await deadLetter(group, reason: "gave up after \(transientFailures) transient failures (max_retries \(configuration.maxRetries))",
                                     status: outcome.answer?.status, response: outcome.answer?.body)
                    queue.removeFirst()
                    transientFailures = 0
                    continue
                }
                statistics.recordRetry()
                try? await Task.sleep(for: after ?? backoff.next())
            case .renewToken:
                await credentials.invalidate()
                tokenRenewed = true
            case .split:
                replaceFirst(&queue, with: halves(group))
            case .isolate(let candidates):
                if candidates.isEmpty {
                    replaceFirst(&queue, with: halves(group))
                } else {
                    // The detail's "#N" is a hint: each candidate goes alone, so only
                    // an event that fails by itself is dead-lettered.
                    let rest = group.indices.filter { !candidates.contains($0) }.map { group[$0] }
                    replaceFirst(&queue, with: candidates.map { [group[$0]] } + (rest.isEmpty ? [] : [rest]))
                }
            case .postpone:
                queue.append(queue.removeFirst())
            case .deadLetter(let reason):
                await deadLetter(group, reason: reason, status: outcome.answer?.status, response: outcome.answer?.body)
                queue.removeFirst()
            case .stop(let reason):
                await halt(reason: reason)
                return
            }
        }
    }

    /// Counts an attempt's outcome and logs it; returns the sink's run of 500s and
    /// its successful requests so far, which the policy weighs.
    private func record(_ outcome: EdgeResponsePolicy.Outcome, requestID: String, lane: Int, events: Int)
        -> (serverErrorStreak: Int, successes: Int) {
        switch outcome {
        case .noAnswer(let reason):
            statistics.recordUnanswered()
            logger.warning("request failed; retrying", metadata: ["requestId": "\(requestID)", "lane": "\(lane)", "error": "\(reason)"])
        case .answered(let answer):
            let accepted = (200..<300).contains(answer.status)
            statistics.recordAnswer(status: answer.status, refusal: accepted ? nil : answer.code ?? "HTTP \(answer.status)",
                                    errors: answer.errorCodes, warnings: answer.warningCodes)
            if accepted {
                logger.debug("request delivered", metadata: ["requestId": "\(requestID)", "lane": "\(lane)", "events": "\(events)"])
            } else {
                logger.info("request answered", metadata: [
                    "requestId": "\(requestID)", "lane": "\(lane)", "status": "\(answer.status)",
                    "code": "\(answer.code ?? "-")", "events": "\(events)", "detail": "\(answer.detail ?? "-")"])
            }
            let fresh = noticesLogged.withLock { logged in
                (answer.errorCodes + answer.warningCodes).filter { logged.insert($0).inserted }
            }
            for code in fresh {
                logger.warning("the Edge Network accepted a request with a problem; further ones with this code are only counted",
                               metadata: ["code": "\(code)", "requestId": "\(requestID)",
                                          "answer": "\(String(decoding: answer.body.prefix(2048), as: UTF8.self))"])
            }
        }
        activity?.signal()
        return progress.withLock { progress in
            switch outcome {
            case .answered(let answer) where (200..<300).contains(answer.status):
                progress.serverErrorStreak = 0
                progress.successes += 1
            case .answered(let answer) where answer.status == 500:
                progress.serverErrorStreak += 1
            default:
                break
            }
            return progress
        }
    }

    private func replaceFirst(_ groups: inout [[PendingEvent]], with replacement: [[PendingEvent]]) {
        groups.removeFirst()
        groups.insert(contentsOf: replacement, at: 0)
    }

    private func halves(_ group: [PendingEvent]) -> [[PendingEvent]] {
        let middle = group.count / 2
        return [Array(group[..<middle]), Array(group[middle...])]
    }

    private func post(_ body: ByteBuffer, requestID: String, lane: Int) async -> EdgeResponsePolicy.Outcome {
        if let limiter { await limiter.acquire(bodyBytes: body.readableBytes) }
        statistics.recordRequestUnits(RequestUnitLimiter.units(forBodyBytes: body.readableBytes, upstreams: configuration.upstreams))
        var headers = [("Content-Type", "application/json")]
        do {
            headers += try await credentials.headers()
        } catch {
            return .noAnswer("\(error)")
        }
        let started = ContinuousClock.now
        defer { requestLatency.record(ContinuousClock.now - started) }
        do {
            let response = try await connections[lane].send(.POST, target: collectTarget + "&requestId=" + requestID, headers: headers,
                                                            body: body, timeout: .milliseconds(Int64(configuration.timeout * 1000)))
            return .answered(EdgeAnswer(status: response.status, body: Data(response.body.readableBytesView),
                                        retryAfter: response.headers.first(name: "Retry-After")))
        } catch {
            return .noAnswer(error.description)
        }
    }

    private func deadLetter(_ events: [PendingEvent], reason: String, status: Int?, response: Data?) async {
        do {
            try await deadLetters.append(events, reason: reason, status: status, response: response)
        } catch {
            // Not durable: leave unacknowledged so the lines are read again.
            logger.error("cannot write dead letters: \(error)")
            return
        }
        logger.warning("events dead-lettered", metadata: ["count": "\(events.count)", "reason": "\(reason)"])
        statistics.recordEvents(events, outcome: "dead_lettered")
        await buffer.settle(events)
    }

    private func halt(reason: String) async {
        let first = statistics.withFirstFatalError(reason)
        if first {
            logger.critical("edge sink stopped: nothing more is sent, nothing is dead-lettered, the events wait",
                            metadata: ["reason": "\(reason)"])
        }
        stopped.withLock { $0 = true }
        buffer.stopAccepting()
    }

    /// Tokens minted so far (IMS), for the summary.
    public func tokensMinted() async -> Int {
        await credentials.tokensMinted
    }
}

extension EdgeResponsePolicy.Outcome {
    var answer: EdgeAnswer? {
        if case .answered(let answer) = self { return answer }
        return nil
    }
}
