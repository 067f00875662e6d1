import Foundation
import HTTPTypes
import Hummingbird

/// The browser console at `/` and the small JSON endpoints its script polls:
/// `/console/api/summary`, `/console/api/events`, `/console/api/visitor/{id}`,
/// `/console/api/rejections`, `/console/api/chart` and the chart as `/console/chart.svg`.
/// Everything is served from the binary; nothing is fetched from elsewhere.
struct ConsoleRoutes: Sendable {
    var store: any EventStore
    var counters: RequestCounters
    /// Shown in the header: the dataset path, or why nothing is kept.
    var datasetDescription: String

    /// Counts for the header cards: `/stats` plus refused requests.
    struct Summary: Codable, Sendable, Equatable {
        var stats: LocalEdgeStats
        /// Refused collect requests since the dataset was created (all codes).
        var rejected: Int
        /// Whether events are kept (false with `--no-store`): the lists stay empty otherwise.
        var keepsEvents: Bool
        var dataset: String
    }

    struct EventsAnswer: Codable, Sendable, Equatable {
        var events: [ConsoleEvent]
        /// Events matching the filter, whatever `after` and `limit` were.
        var matching: Int
    }

    struct TimelineAnswer: Codable, Sendable, Equatable {
        var identity: String
        var namespace: String?
        var events: [ConsoleEvent]
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/") { request, _ in await page(request) }
        router.get("/console/api/summary") { _, _ in await answer { try await summary() } }
        router.get("/console/api/events") { request, _ in
            await answer {
                let query = request.uri.queryParameters
                let after = query.get("after").flatMap { Int64($0) }
                let limit = query.get("limit").flatMap { Int($0) } ?? 100
                guard let console = store.console else { return EventsAnswer(events: [], matching: 0) }
                let found = try await console.events(Self.filter(request), after: after, limit: limit)
                return EventsAnswer(events: found.events, matching: found.matching)
            }
        }
        router.get("/console/api/visitor/:id") { request, context in
            await answer {
                let raw = context.parameters.get("id") ?? ""
                let identity = raw.removingPercentEncoding ?? raw
                let namespace = request.uri.queryParameters.get("namespace").map { String($0) }
                let events = try await store.console?.timeline(identity: identity, namespace: namespace) ?? []
                return TimelineAnswer(identity: identity, namespace: namespace, events: events)
            }
        }
        router.get("/console/api/rejections") { _, _ in
            await answer { try await store.console?.rejections() ?? [] }
        }
        router.get("/console/api/chart") { request, _ in
            await answer { try await chart(request) }
        }
        router.get("/console/chart.svg") { request, _ in
            do {
                return Self.text(ChartSVG.render(try await chart(request)), contentType: "image/svg+xml")
            } catch {
                return Self.text("\(error)", contentType: "text/plain; charset=utf-8", status: .internalServerError)
            }
        }
    }

    func summary() async throws -> Summary {
        var stats = try await store.stats()
        stats.requests = await counters.snapshot
        let rejected = try await store.console?.rejections().reduce(0) { $0 + $1.total } ?? 0
        return Summary(stats: stats, rejected: rejected, keepsEvents: store.console != nil, dataset: datasetDescription)
    }

    private func chart(_ request: Request) async throws -> [ChartMinute] {
        let minutes = request.uri.queryParameters.get("minutes").flatMap { Int($0) } ?? 180
        return try await store.console?.chart(minutes: min(max(minutes, 1), 1440)) ?? []
    }

    /// The page with the latest events (or the visitor asked for) already in it,
    /// so it is useful before, or without, its script.
    private func page(_ request: Request) async -> Response {
        let query = request.uri.queryParameters
        let filter = Self.filter(request)
        let visitor = query.get("visitor").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
        let namespace = query.get("namespace").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
        do {
            let console = store.console
            let listed = try await console?.events(filter) ?? (events: [], matching: 0)
            var timeline: [ConsoleEvent] = []
            if let visitor {
                timeline = try await console?.timeline(identity: visitor, namespace: namespace) ?? []
            }
            let html = ConsolePage(
                summary: try await summary(),
                filter: filter,
                events: listed.events,
                matching: listed.matching,
                visitor: visitor.map { ConsolePage.Visitor(identity: $0, namespace: namespace, events: timeline) },
                rejections: try await console?.rejections() ?? [],
                chart: try await console?.chart() ?? []
            ).html
            return Self.text(html, contentType: "text/html; charset=utf-8")
        } catch {
            return Self.text("The console could not read the dataset: \(error)", contentType: "text/plain; charset=utf-8", status: .internalServerError)
        }
    }

    static func filter(_ request: Request) -> EventFilter {
        let query = request.uri.queryParameters
        return EventFilter(
            identity: query.get("identity").map { String($0) } ?? "",
            type: query.get("type").map { String($0) } ?? "",
            text: query.get("q").map { String($0) } ?? ""
        )
    }

    private func answer(_ body: () async throws -> some Encodable) async -> Response {
        do {
            return IMSRoute.json(status: 200, try await body())
        } catch {
            return IMSRoute.json(status: 500, ["error": "\(error)"])
        }
    }

    static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
