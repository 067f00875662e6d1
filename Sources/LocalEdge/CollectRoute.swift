import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// `POST /ee/v2/collect`: faults first, then Edge's checks in the order Edge
/// applies them, then one transaction for the request's events.
struct CollectRoute: Sendable {
    /// Edge refuses bodies over 64 KB.
    static let maximumBodyBytes = 65_536

    var datastreams: Set<String>
    var auth: AuthPolicy
    var store: any EventStore
    var faults: FaultInjector
    var hung: HungRequests
    var counters: RequestCounters
    var logger: Logger

    func respond(to request: Request) async -> Response {
        let requestID = Self.requestID(of: request)
        let response: Response
        do {
            response = try await handle(request, requestID: requestID)
        } catch let problem as EdgeProblem {
            response = problem.response(requestId: requestID)
        } catch {
            logger.error("collect failed", metadata: ["requestId": "\(requestID)", "error": "\(error)"])
            response = EdgeProblem(
                code: "EXEG-0200-500", status: 500, title: "Internal server error",
                detail: "The events could not be stored."
            ).response(requestId: requestID)
        }
        await counters.record(status: response.status.code)
        return response
    }

    private func handle(_ request: Request, requestID: String) async throws -> Response {
        let latency = await faults.latency
        if latency > .zero {
            try? await Task.sleep(for: latency)
        }
        switch await faults.decide() {
        case .proceed:
            break
        case .hang:
            await hung.hold()
            throw EdgeProblem.released
        case .fail(let status, let retryAfter):
            throw EdgeProblem.injected(status: status, retryAfter: retryAfter)
        }

        let query = request.uri.queryParameters
        guard let datastream = (query.get("dataStreamId") ?? query.get("datastreamId")), !datastream.isEmpty else {
            throw EdgeProblem.missingDatastream
        }
        if !datastreams.isEmpty, !datastreams.contains(datastream) {
            throw EdgeProblem.unknownDatastream(datastream)
        }
        try await auth.check(request.headers)

        let contentType = request.headers[.contentType]
        guard Self.isJSONContentType(contentType) else {
            throw EdgeProblem.unsupportedMediaType(contentType)
        }
        let body = try await Self.readBody(request.body, limit: Self.maximumBodyBytes)
        let events = try EventValidator.validate(body)
        _ = try await store.store(events, requestID: requestID, datastreamID: datastream)

        var headers = HTTPFields()
        headers[HTTPField.Name.requestID] = requestID
        if query.get("silent")?.lowercased() == "true" {
            return Response(status: .noContent, headers: headers)
        }
        headers[.contentType] = "application/json"
        let payload = try JSONEncoder.problem.encode(["requestId": requestID])
        return Response(status: .accepted, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: payload)))
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

    /// `application/json` or `text/plain`, parameters such as charset allowed.
    static func isJSONContentType(_ value: String?) -> Bool {
        guard let value else { return false }
        let mediaType = value.split(separator: ";", maxSplits: 1).first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        return mediaType == "application/json" || mediaType == "text/plain"
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
