import Foundation
import HTTPTypes
import Hummingbird
import NIOPosix
import Logging

/// `POST /ee/v2/collect`: faults first, then Edge's checks in the order Edge applies
/// them (credentials, datastream, media type, body, events), then one transaction for
/// the request's events.
struct CollectRoute: Sendable {
    /// Edge refuses bodies over 64 KB.
    static let maximumBodyBytes = 65_536

    var datastreams: Set<String>
    var disabledDatastreams: Set<String>
    var authenticatedDatastreams: Set<String>
    var orgID: String?
    var auth: AuthPolicy
    var validator: EventValidator
    var store: any EventStore
    var faults: FaultInjector
    var hung: HungRequests
    var counters: RequestCounters
    var logger: Logger

    func respond(to request: Request) async -> Response {
        let context = ProblemContext(
            requestID: Self.requestID(of: request),
            orgID: orgID ?? request.headers[.imsOrgID].flatMap { $0.isEmpty ? nil : $0 },
            configID: Self.datastreamID(of: request)
        )
        let response: Response
        let refusal: EdgeProblem?
        do {
            response = try await handle(request, context: context)
            refusal = nil
        } catch let problem as EdgeProblem {
            refusal = problem
            response = problem.response(context)
        } catch {
            logger.error("collect failed", metadata: ["requestId": "\(context.requestID)", "error": "\(error)"])
            let problem = EdgeProblem.unexpected("The events could not be stored.")
            refusal = problem
            response = problem.response(context)
        }
        if let refusal {
            do {
                try await store.recordRejection(RecordedRejection(refusal, context: context))
            } catch {
                logger.warning("rejection not recorded", metadata: ["requestId": "\(context.requestID)", "error": "\(error)"])
            }
        }
        await counters.record(status: response.status.code)
        return response
    }

    private func handle(_ request: Request, context: ProblemContext) async throws -> Response {
        let latency = await faults.latency
        if latency > .zero {
            try? await Task.sleep(for: latency)
        }
        let warning: InjectedWarning?
        switch await faults.decide() {
        case .proceed(let picked):
            warning = picked
        case .hang:
            await hung.hold()
            throw EdgeProblem.released
        case .fail(let status, let retryAfter):
            throw EdgeProblem.injected(status: status, retryAfter: retryAfter)
        }

        try await auth.checkServer(request.headers)
        guard let datastream = context.configID else {
            throw EdgeProblem.missingDatastream
        }
        if disabledDatastreams.contains(datastream) {
            throw EdgeProblem.disabledDatastream(datastream)
        }
        if !datastreams.isEmpty, !datastreams.contains(datastream) {
            throw EdgeProblem.unknownDatastream(datastream)
        }
        if auth.mode == .edge, authenticatedDatastreams.contains(datastream) {
            try await auth.check(request.headers)
        }
        try CollectMediaType.check(request.headers[.contentType])
        let body = try await Self.readBody(request.body, limit: Self.maximumBodyBytes)
        // Parsing and checking up to 64 KB of events costs milliseconds of CPU. It runs on
        // NIO's blocking pool, not on the cooperative pool: a stand-in flooded by a fast
        // sender, served from the same process as other work (`edgetail demo`, the tests),
        // would otherwise hold the few threads every other task needs.
        let validator = validator
        let events = try await NIOThreadPool.singleton.runIfActive { try validator.validate(body) }

        let answer = warning.map { NonFatalAnswer($0) }
        if answer?.storesEvents ?? true {
            _ = try await store.store(events, requestID: context.requestID, datastreamID: datastream)
        }

        var headers = HTTPFields()
        headers[HTTPField.Name.requestID] = context.requestID
        if request.uri.queryParameters.get("silent")?.lowercased() == "true" {
            return Response(status: .noContent, headers: headers)
        }
        if let answer {
            return answer.response(requestID: context.requestID, headers: headers)
        }
        headers[.contentType] = "application/json"
        let payload = try JSONEncoder.problem.encode(["requestId": context.requestID])
        return Response(status: .accepted, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: payload)))
    }

    /// `datastreamId` (the OpenAPI spelling), else `dataStreamId` (Experience League's);
    /// `nil` when neither is given or it is empty.
    static func datastreamID(of request: Request) -> String? {
        let query = request.uri.queryParameters
        for name in ["datastreamId", "dataStreamId"] {
            if let value = query.get(name), !value.isEmpty { return value }
        }
        return nil
    }

    /// `requestId` query parameter, else `x-request-id` header, else a fresh UUID.
    static func requestID(of request: Request) -> String {
        if let fromQuery = request.uri.queryParameters.get("requestId"), !fromQuery.isEmpty {
            return fromQuery
        }
        if let fromHeader = request.headers[HTTPField.Name.requestID], !fromHeader.isEmpty {
            return fromHeader
        }
        return UUID().uuidString.lowercased()
    }

    /// Reads the whole body, keeping at most `limit` bytes; an oversized body
    /// is drained and answered with 413 rather than dropped mid-stream.
    static func readBody(_ body: RequestBody, limit: Int) async throws -> Data {
        var collected = ByteBuffer()
        var total = 0
        for try await chunk in body {
            total += chunk.readableBytes
            if total <= limit {
                var chunk = chunk
                collected.writeBuffer(&chunk)
            }
        }
        if total == 0 { throw EdgeProblem.emptyBody }
        if total > limit { throw EdgeProblem.tooLarge(limit: limit) }
        return Data(collected.readableBytesView)
    }
}
