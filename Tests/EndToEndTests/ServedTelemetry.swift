import Logging
import ServiceLifecycle
@testable import EdgeTail

/// A `TelemetryServer` run as `edgetail run` runs it: a service of a group, stopped
/// by a graceful shutdown.
struct ServedTelemetry {
    let server: TelemetryServer
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    init(_ server: TelemetryServer) async throws {
        let group = ServiceGroup(configuration: .init(services: [server], logger: quietLogger))
        self.server = server
        self.group = group
        task = Task { try await group.run() }
        port = try await within(.seconds(60), "the api server to listen") { try await server.listeningPort() }
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
