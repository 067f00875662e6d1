import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Sends events to the Edge Network's `POST /ee/v2/collect` in batches.
///
/// Events are routed to lanes by a hash of their primary identity; each lane sends
/// one request at a time, so a visitor's events arrive in the order they were read.
/// Every documented response is handled: 2xx acknowledges; 429/503 wait
/// `Retry-After`; 502/504, timeouts and connection errors back off with full jitter
/// (for ever by default — an outage costs time, not data); 400/422 isolate the
/// offending event (by the index the problem names, or by bisecting) and send the
/// rest; 413 splits; 401 renews the token once; 401 again or 403 stop the sink with
/// the data kept; 500 and other 4xx dead-letter the events with the response.
public final class EdgeSink: EventSink, @unchecked Sendable {
    public let name: String
    public let configuration: EdgeSinkConfiguration
    public let statistics = EdgeSinkStatistics()
    public let deadLetters: DeadLetterStore
    /// Each request's duration, for the latency histogram of `/metrics`.
    public let requestLatency = RequestLatencyRecorder()
    let logger: Logger
    let client: HTTPClient
    let credentials: EdgeCredentials
    let limiter: RequestUnitLimiter?
    let lanes: [EdgeLane]
    let buffer: EventBuffer
    let collectURL: String
    private let workers = Mutex<[Task<Void, Never>]>([])
    private let stopped = Mutex(false)
    private let finishedWorkers = Mutex(0)

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
    public init(name: String, configuration: EdgeSinkConfiguration, dataDirectory: String, logger: Logger,
                diskBuffer: Bool = true) throws {
        self.name = name
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "sink"] = "\(name)"
        self.logger = logger
        deadLetters = DeadLetterStore(dataDirectory: dataDirectory, sink: name)
        var endpoint = configuration.endpoint
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        collectURL = endpoint + "/ee/v2/collect?dataStreamId=" + EdgeCredentials.formEncode(configuration.datastreamID)
            + (configuration.silent ? "&silent=true" : "")
        lanes = (0..<configuration.lanes).map { _ in
            EdgeLane(maxBodyBytes: configuration.maxBytes, maxEvents: configuration.maxEvents,
                     linger: .milliseconds(Int(configuration.linger * 1000)))
        }
        var bufferConfiguration = configuration.buffer
        if !diskBuffer { bufferConfiguration.diskBytes = 0 }
        buffer = try EventBuffer(configuration: bufferConfiguration,
                                 directory: Self.bufferDirectory(dataDirectory: dataDirectory, sink: name),
                                 lanes: lanes, requestBytes: configuration.maxBytes, statistics: statistics, logger: self.logger)
        // The HTTP client comes last: nothing may throw once it exists.
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.timeout = .init(connect: .seconds(5), read: .milliseconds(Int64(configuration.timeout * 1000)))
        httpConfiguration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(8, configuration.lanes))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        credentials = EdgeCredentials(configuration: configuration.auth, client: client)
        limiter = configuration.maxRequestUnitsPerSecond.map { RequestUnitLimiter(unitsPerSecond: $0) }
        let tasks = lanes.enumerated().map { index, lane in
            Task { [self] in
                while !Task.isCancelled, let batch = await lane.nextBatch() {
                    await deliver(batch, lane: index)
                    if Task.isCancelled || stopped.withLock({ $0 }) { break }
                    await lane.finished(batch)
                    await self.buffer.released(batch)
                }
                finishedWorkers.withLock { $0 += 1 }
            }
        }
        workers.withLock { $0 = tasks }
        let eventBuffer = buffer
        Task { await eventBuffer.start() }
    }

    public func submit(_ batch: EventBatch) async throws {
        if let reason = statistics.snapshot.fatalError { throw FatalError(reason: reason) }
        let now = Date().timeIntervalSince1970
        let events = batch.events.map { event in
            var pending = PendingEvent(bytes: batch.bytes, range: event.range, acknowledgement: batch.acknowledgement,
                                       namespace: event.identityNamespace, identityHash: event.identityHash)
            pending.enteredAt = now
            return pending
        }
        await buffer.submit(events)
        if let reason = statistics.snapshot.fatalError { throw FatalError(reason: reason) }
    }

    /// Waits until the buffer is empty, giving up when `shutdown_timeout` passes
    /// without a single event delivered or dead-lettered (then `drain` leaves the
    /// rest on disk for the next run).
    public func flush() async {
        var settled = statistics.snapshot.eventsDelivered + statistics.snapshot.eventsDeadLettered
        var lastProgress = ContinuousClock.now
        let patience = Duration.milliseconds(Int(max(configuration.shutdownTimeout, 1) * 1000))
        while statistics.snapshot.fatalError == nil {
            let snapshot = statistics.snapshot
            if await buffer.isEmpty { return }
            let now = snapshot.eventsDelivered + snapshot.eventsDeadLettered
            if now != settled {
                settled = now
                lastProgress = .now
            } else if ContinuousClock.now - lastProgress > patience {
                logger.warning("no delivery progress for \(configuration.shutdownTimeout) s; what is left stays in the buffer")
                return
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    public func stopWaiting() {
        let buffer = self.buffer
        Task { await buffer.stopAccepting() }
    }

    /// Sends what is queued for up to `shutdown_timeout`, then writes what is still
    /// unsent to the disk buffer (acknowledging it, so checkpoints may advance);
    /// without a disk buffer it stays unacknowledged and is read again next start.
    public func drain() async throws {
        try await drain(timeout: .milliseconds(Int(configuration.shutdownTimeout * 1000)))
    }

    public func drain(timeout: Duration) async throws {
        await buffer.stopReading()
        for lane in lanes { await lane.close() }
        let tasks = workers.withLock { $0 }
        let deadline = ContinuousClock.now + timeout
        while finishedWorkers.withLock({ $0 }) < tasks.count && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if finishedWorkers.withLock({ $0 }) < tasks.count {
            stopped.withLock { $0 = true }
            for task in tasks { task.cancel() }
            for task in tasks { await task.value }
            var unfinished: [PendingEvent] = []
            for lane in lanes { unfinished += await lane.unfinished() }
            let persisted = await buffer.persistUndelivered(unfinished)
            logger.warning("shutdown timeout reached with events unsent", metadata: [
                "unsent": "\(unfinished.count)", "writtenToDisk": "\(persisted.written)",
                "readAgainNextStart": "\(persisted.notWritten)"])
        }
        await buffer.close()
        try? await client.shutdown()
        if let reason = statistics.snapshot.fatalError { throw FatalError(reason: reason) }
    }

    // MARK: Delivery

    private enum Attempt {
        case answered(EdgeResponse)
        case failed(String)
    }

    /// Delivers one request's events, splitting and isolating as the answers require.
    private func deliver(_ events: [PendingEvent], lane: Int) async {
        var groups: [[PendingEvent]] = [events]
        var backoff = RetryBackoff(base: configuration.retryBase, cap: configuration.retryCap)
        var tokenRenewed = false
        var attempts = 0
        while let group = groups.first {
            if Task.isCancelled || stopped.withLock({ $0 }) { return }
            let body = group.requestBody()
            if body.count > configuration.maxBytes {
                if group.count > 1 {
                    replaceFirst(&groups, with: halves(group))
                } else {
                    await deadLetter(group, reason: "event of \(group.totalSize) bytes exceeds the request limit (max_bytes \(configuration.maxBytes))", status: nil, response: nil)
                    groups.removeFirst()
                }
                continue
            }
            let requestID = UUID().uuidString.lowercased()
            let attempt = await post(body, requestID: requestID)
            attempts += 1
            let verdict: EdgeVerdict
            switch attempt {
            case .failed(let reason):
                statistics.update { $0.requests["error", default: 0] += 1 }
                await buffer.endpointFailing()
                logger.warning("request failed; retrying", metadata: ["requestId": "\(requestID)", "lane": "\(lane)", "error": "\(reason)"])
                verdict = .retry(after: nil)
            case .answered(let response):
                statistics.update { $0.requests[String(response.status), default: 0] += 1 }
                verdict = response.verdict(tokenRenewed: tokenRenewed)
                if verdict != .accepted {
                    logger.info("request answered", metadata: [
                        "requestId": "\(requestID)", "lane": "\(lane)", "status": "\(response.status)",
                        "code": "\(response.errorCode ?? "-")", "events": "\(group.count)"])
                } else {
                    logger.debug("request delivered", metadata: ["requestId": "\(requestID)", "lane": "\(lane)", "events": "\(group.count)"])
                }
                switch verdict {
                case .accepted:
                    await buffer.endpointAccepting()
                    statistics.recordEvents(group, outcome: "delivered")
                    for event in group { buffer.parked.settle(event) }
                    groups.removeFirst()
                    backoff.reset()
                    attempts = 0
                    tokenRenewed = false
                    continue
                case .rejectEvent(let index) where index >= 0 && index < group.count:
                    await deadLetter([group[index]], reason: "rejected by the Edge Network: \(response.errorCode ?? "HTTP \(response.status)")",
                                     status: response.status, response: response.body)
                    var rest = group
                    rest.remove(at: index)
                    replaceFirst(&groups, with: rest.isEmpty ? [] : [rest])
                    continue
                case .rejectEvent, .rejectUnknown:
                    if group.count == 1 {
                        await deadLetter(group, reason: "rejected by the Edge Network: \(response.errorCode ?? "HTTP \(response.status)")",
                                         status: response.status, response: response.body)
                        groups.removeFirst()
                    } else {
                        replaceFirst(&groups, with: halves(group))
                    }
                    continue
                case .tooLarge:
                    if group.count == 1 {
                        await deadLetter(group, reason: "event too large for the Edge Network (413)", status: 413, response: response.body)
                        groups.removeFirst()
                    } else {
                        replaceFirst(&groups, with: halves(group))
                    }
                    continue
                case .renewToken where await credentials.canRenew:
                    await credentials.invalidate()
                    tokenRenewed = true
                    continue
                case .renewToken, .fatal:
                    let reason = "HTTP \(response.status) \(response.errorCode ?? ""): check the credentials, organisation and datastream; events are kept and sending has stopped"
                    await halt(reason: reason)
                    return
                case .deadLetter:
                    await deadLetter(group, reason: "refused by the Edge Network: \(response.errorCode ?? "HTTP \(response.status)") (not retried as-is)",
                                     status: response.status, response: response.body)
                    groups.removeFirst()
                    continue
                case .retry:
                    await buffer.endpointFailing()
                }
            }
            // Transient: wait and send the same events again.
            if configuration.maxRetries > 0 && attempts > configuration.maxRetries {
                await deadLetter(group, reason: "gave up after \(attempts) attempts (max_retries \(configuration.maxRetries))", status: nil, response: nil)
                groups.removeFirst()
                attempts = 0
                continue
            }
            statistics.update { $0.retries += 1 }
            var wait = backoff.next()
            if case .retry(let after?) = verdict { wait = after }
            try? await Task.sleep(for: wait)
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

    private func post(_ body: [UInt8], requestID: String) async -> Attempt {
        if let limiter { await limiter.acquire(bodyBytes: body.count) }
        var request = HTTPClientRequest(url: collectURL + "&requestId=" + requestID)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        do {
            for (name, value) in try await credentials.headers() { request.headers.add(name: name, value: value) }
        } catch {
            return .failed("\(error)")
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let started = ContinuousClock.now
        defer { requestLatency.record(ContinuousClock.now - started) }
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(configuration.timeout * 1000)))
            let data = try await response.body.collect(upTo: 1 << 20)
            return .answered(EdgeResponse(status: Int(response.status.code), body: Data(data.readableBytesView),
                                          retryAfter: response.headers.first(name: "Retry-After")))
        } catch {
            return .failed(String(describing: error))
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
        for event in events { buffer.parked.settle(event) }
    }

    private func halt(reason: String) async {
        statistics.update { if $0.fatalError == nil { $0.fatalError = reason } }
        logger.critical("edge sink stopped", metadata: ["reason": "\(reason)"])
        stopped.withLock { $0 = true }
        await buffer.stopAccepting()
    }

    /// Tokens minted so far (IMS), for the summary.
    public func tokensMinted() async -> Int {
        await credentials.tokensMinted
    }
}
