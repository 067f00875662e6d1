import AsyncHTTPClient
import Foundation
import NIOCore

/// Reads a running `edgetail run` through its `api.listen` address: the stats
/// document for `edgetail top`, the tap's NDJSON stream for `edgetail tap`.
public struct APIClient: Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case unreachable(url: String, reason: String)
        case refused(url: String, status: Int, message: String)

        public var description: String {
            switch self {
            case .unreachable(let url, let reason): "cannot reach \(url): \(reason)"
            case .refused(let url, let status, let message): "\(url) answered \(status): \(message)"
            }
        }
    }

    /// `http://HOST:PORT`.
    public let baseURL: String

    public init(host: String, port: Int) {
        // A daemon listening on every address is reached on loopback.
        let reachable = switch host {
        case "0.0.0.0", "": "127.0.0.1"
        case "::": "::1"
        default: host
        }
        baseURL = "http://\(reachable.contains(":") ? "[\(reachable)]" : reachable):\(port)"
    }

    /// `HOST:PORT` (or `[IPv6]:PORT`); nil when it is not that shape.
    public init?(address: String) {
        guard let (host, port) = APIConfiguration.split(address) else { return nil }
        self.init(host: host, port: port)
    }

    /// `GET /api/v1/stats`.
    public func stats(timeout: TimeAmount = .seconds(2)) async throws(Failure) -> StatsDocument {
        let url = baseURL + "/api/v1/stats"
        do {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: timeout)
            let body = try await response.body.collect(upTo: 64 << 20)
            guard response.status == .ok else {
                throw Failure.refused(url: url, status: Int(response.status.code), message: String(buffer: body))
            }
            return try JSONDecoder().decode(StatsDocument.self, from: Data(body.readableBytesView))
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .unreachable(url: url, reason: "\(error)")
        }
    }

    /// `GET /api/v1/tap?…`: hands each NDJSON line (without its newline) to `line`
    /// until the stream ends or `line` returns false.
    public func tap(_ query: TapQuery, line: (Data) async throws -> Bool) async throws {
        var components = URLComponents(string: baseURL + "/api/v1/tap")
        components?.queryItems = query.queryItems.isEmpty ? nil : query.queryItems
        let url = components?.string ?? baseURL + "/api/v1/tap"
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), deadline: .distantFuture)
        } catch {
            throw Failure.unreachable(url: url, reason: "\(error)")
        }
        guard response.status == .ok else {
            let body = (try? await response.body.collect(upTo: 1 << 20)).map { String(buffer: $0) } ?? ""
            let message = (try? JSONDecoder().decode([String: String].self, from: Data(body.utf8)))?["error"] ?? body
            throw Failure.refused(url: url, status: Int(response.status.code), message: message)
        }
        var pending = Data()
        for try await chunk in response.body {
            pending.append(contentsOf: chunk.readableBytesView)
            while let newline = pending.firstIndex(of: 0x0A) {
                let text = pending[pending.startIndex..<newline]
                pending = Data(pending[(newline + 1)...])
                if text.isEmpty { continue }
                guard try await line(Data(text)) else { return }
            }
        }
    }
}
