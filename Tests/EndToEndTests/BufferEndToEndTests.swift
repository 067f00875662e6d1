import Foundation
import Testing
@testable import EdgeTail
import LocalEdge

/// The Edge sink's buffer against the real stand-in: outages spill to disk and come
/// back in order, restarts replay the disk first, a full disk holds the sources.
@Suite struct BufferEndToEndTests {
    struct Endpoint {
        var directory: URL
        /// Held from the start, so the port is still this endpoint's when it comes up.
        var reserved: ReservedPort
        var databasePath: String
        var port: Int { reserved.port }
        var baseURL: String { reserved.baseURL }

        /// A port that refuses connections until `up()`.
        static func down() throws -> Endpoint {
            let directory = try EdgeHarness.temporaryDirectory()
            return Endpoint(directory: directory, reserved: try ReservedPort(),
                            databasePath: directory.appendingPathComponent("edge.sqlite").path)
        }

        /// Brings the endpoint up on its port.
        func up() async throws -> LocalEdgeServer {
            var configuration = LocalEdgeConfiguration()
            configuration.port = port
            configuration.databasePath = databasePath
            let server = LocalEdgeServer(configuration: configuration)
            _ = try await server.start()
            return server
        }
    }

    func sink(_ endpoint: Endpoint, dataDirectory: String, buffer: BufferConfiguration, shutdownTimeout: Double = 30) throws -> EdgeSink {
        try EdgeSink(name: "edge", configuration: EdgeHarness.sinkConfiguration(endpoint: endpoint.baseURL) {
            $0.buffer = buffer
            $0.retryCap = 0.2
            // Generous: a request abandoned by the client but stored by a busy stand-in
            // would be sent again and counted as a duplicate.
            $0.timeout = 20
            $0.shutdownTimeout = shutdownTimeout
        }, dataDirectory: dataDirectory, logger: quietLogger)
    }

    func expectInOrderPerIdentity(_ databasePath: String) throws {
        var last: [String: String] = [:]
        for row in try storedRows(databasePath) {
            if let previous = last[row.identity] { #expect(previous < row.timestamp, "identity \(row.identity) out of order") }
            last[row.identity] = row.timestamp
        }
    }

    func segmentFiles(_ dataDirectory: String) -> [String] {
        DiskSpill.segmentFiles(in: EdgeSink.bufferDirectory(dataDirectory: dataDirectory, sink: "edge")).map(\.path)
    }

    @Test func anOutageSpillsToDiskWithinTheMemoryBudgetAndEverythingArrivesInOrder() async throws {
        let endpoint = try Endpoint.down()
        defer { try? FileManager.default.removeItem(at: endpoint.directory) }
        let counter = AcknowledgementCounter()
        let batches = EdgeHarness.batches(EdgeHarness.log(count: 4000, visitors: 61, padding: 200), plan: try EdgeHarness.plan(),
                                          counter: counter, linesPerBatch: 100)
        // 64 KiB asked; the buffer raises it to two full requests per lane (4 × 2 × 60,000).
        let memoryBudget = 480_000
        let sink = try sink(endpoint, dataDirectory: endpoint.directory.path,
                            buffer: BufferConfiguration(memoryBytes: 1 << 16, diskBytes: 1 << 30, segmentBytes: 1 << 18, fsyncInterval: 0.05))
        async let sinkRun: Void = sink.runUntilDrained()
        // The endpoint is down, yet every batch is taken: what memory cannot hold goes to disk.
        for batch in batches { try await sink.submit(batch) }
        // Events on disk are acknowledged once fsynced; those in memory once delivered,
        // unless they were parked on disk when the outage began (then they are both).
        try await waitUntil("every event on disk is acknowledged") {
            let memory = sink.statistics.snapshot.buffer.memoryEvents
            return counter.value > 0 && (counter.value + memory == 4000 || counter.value == 4000)
        }
        let during = sink.statistics.snapshot.buffer
        #expect(during.memoryBytes <= memoryBudget + 100 * 700, "memory held \(during.memoryBytes)")
        #expect(during.diskBytes > 1 << 20, "disk held \(during.diskBytes)")
        #expect(during.spilledEvents > 3000)
        #expect(segmentFiles(endpoint.directory.path).count > 3)

        let server = try await endpoint.up()
        try await waitUntil("all 4000 events are stored", timeout: .seconds(120)) {
            (try? await server.stats().eventsStored) == 4000
        }
        try await waitUntil("delivered segments are deleted") { segmentFiles(endpoint.directory.path).isEmpty }
        #expect(counter.value == 4000)
        try await sink.drain()
        await sinkRun
        let stats = try await server.stats()
        await server.stop()
        #expect(stats.duplicates == 0)
        #expect(sink.statistics.snapshot.buffer.diskBytes == 0)
        try expectInOrderPerIdentity(endpoint.databasePath)
    }

    @Test func shutdownWritesUnsentEventsToDiskAndTheNextStartSendsThemFirst() async throws {
        let endpoint = try Endpoint.down()
        defer { try? FileManager.default.removeItem(at: endpoint.directory) }
        let counter = AcknowledgementCounter()
        let batches = EdgeHarness.batches(EdgeHarness.log(count: 2000, visitors: 23), plan: try EdgeHarness.plan(), counter: counter, linesPerBatch: 100)
        let buffer = BufferConfiguration(memoryBytes: 1 << 18, diskBytes: 1 << 30, fsyncInterval: 0.05)
        let first = try sink(endpoint, dataDirectory: endpoint.directory.path, buffer: buffer, shutdownTimeout: 0.2)
        async let firstRun: Void = first.runUntilDrained()
        for batch in batches { try await first.submit(batch) }
        try await first.drain()
        await firstRun
        // Everything was either on disk already or written there at shutdown: all acknowledged.
        #expect(counter.value == 2000)
        #expect(!segmentFiles(endpoint.directory.path).isEmpty)

        let server = try await endpoint.up()
        let second = try sink(endpoint, dataDirectory: endpoint.directory.path, buffer: buffer)
        async let secondRun: Void = second.runUntilDrained()
        try await waitUntil("the segments left by the first run are delivered", timeout: .seconds(120), state: {
            let stored = (try? await server.stats().eventsStored).map(String.init) ?? "unknown"
            return "\(stored) stored; the sink: \(second.statistics.snapshot)"
        }) {
            (try? await server.stats().eventsStored) == 2000
        }
        try await second.drain()
        await secondRun
        let stats = try await server.stats()
        await server.stop()
        #expect(stats.duplicates == 0)
        #expect(segmentFiles(endpoint.directory.path).isEmpty)
        try expectInOrderPerIdentity(endpoint.databasePath)
    }

    /// A healthy endpoint slower than the sources: they wait for memory instead of
    /// spilling; with `spill_after: 0` the same backlog goes through the disk.
    @Test(arguments: [600.0, 0.0])
    func aBacklogWaitsForMemoryWhileTheEndpointAccepts(spillAfter: Double) async throws {
        let endpoint = try Endpoint.down()
        defer { try? FileManager.default.removeItem(at: endpoint.directory) }
        let server = try await endpoint.up()
        let counter = AcknowledgementCounter()
        let batches = EdgeHarness.batches(EdgeHarness.log(count: 3000, visitors: 29, padding: 200), plan: try EdgeHarness.plan(),
                                          counter: counter, linesPerBatch: 100)
        let sink = try sink(endpoint, dataDirectory: endpoint.directory.path,
                            buffer: BufferConfiguration(memoryBytes: 1 << 16, diskBytes: 1 << 30, segmentBytes: 1 << 18,
                                                        fsyncInterval: 0.05, spillAfter: spillAfter))
        async let sinkRun: Void = sink.runUntilDrained()
        var peakMemory = 0
        for batch in batches {
            try await sink.submit(batch)
            peakMemory = max(peakMemory, sink.statistics.snapshot.buffer.memoryBytes)
        }
        try await waitUntil("all 3000 events are stored", timeout: .seconds(120)) {
            (try? await server.stats().eventsStored) ?? 0 >= 3000
        }
        try await sink.drain()
        await sinkRun
        let buffer = sink.statistics.snapshot.buffer
        await server.stop()
        // The budget is raised to two full requests per lane (4 × 2 × 60,000), plus a batch.
        #expect(peakMemory <= 480_000 + 100 * 700, "memory held \(peakMemory)")
        if spillAfter > 0 {
            #expect(buffer.spilledEvents == 0)
        } else {
            #expect(buffer.spilledEvents > 0)
        }
        #expect(counter.value == 3000)
        try expectInOrderPerIdentity(endpoint.databasePath)
    }

    @Test func dropNewestCountsWhatDoesNotFit() async throws {
        let endpoint = try Endpoint.down()
        defer { try? FileManager.default.removeItem(at: endpoint.directory) }
        let counter = AcknowledgementCounter()
        let batches = EdgeHarness.batches(EdgeHarness.log(count: 3000, visitors: 11, padding: 100), plan: try EdgeHarness.plan(), counter: counter, linesPerBatch: 100)
        let sink = try sink(endpoint, dataDirectory: endpoint.directory.path,
                            buffer: BufferConfiguration(memoryBytes: 1 << 16, diskBytes: 1 << 17, segmentBytes: 1 << 16,
                                                        whenFull: .dropNewest, fsyncInterval: 0.05))
        async let sinkRun: Void = sink.runUntilDrained()
        for batch in batches { try await sink.submit(batch) }
        try await waitUntil("every event is on disk, dropped or in memory") {
            counter.value > 0 && counter.value + sink.statistics.snapshot.buffer.memoryEvents == 3000
        }
        let dropped = sink.statistics.snapshot.buffer.drops["drop_newest"] ?? 0
        #expect(dropped > 0)
        #expect(sink.statistics.snapshot.buffer.diskBytes <= 1 << 17)
        let server = try await endpoint.up()
        try await waitUntil("what was kept is stored", timeout: .seconds(120)) {
            (try? await server.stats().eventsStored) == 3000 - dropped
        }
        try await sink.drain()
        await sinkRun
        await server.stop()
    }

    static let canMountTmpfs: Bool = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/mount")

    @Test(.enabled(if: canMountTmpfs, "needs root to mount a small tmpfs"))
    func aFullDiskHoldsTheSourcesAndRecoversWhenSpaceReturns() async throws {
        let endpoint = try Endpoint.down()
        defer { try? FileManager.default.removeItem(at: endpoint.directory) }
        let mountPoint = endpoint.directory.appendingPathComponent("small").path
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=320k", "tmpfs", mountPoint]
        try mount.run()
        mount.waitUntilExit()
        try #require(mount.terminationStatus == 0, "mount -t tmpfs failed")
        defer {
            let umount = Process()
            umount.executableURL = URL(fileURLWithPath: "/bin/umount")
            umount.arguments = ["-l", mountPoint]
            try? umount.run()
            umount.waitUntilExit()
        }
        let counter = AcknowledgementCounter()
        let batches = EdgeHarness.batches(EdgeHarness.log(count: 3000, visitors: 13, padding: 300), plan: try EdgeHarness.plan(),
                                          counter: counter, linesPerBatch: 50)
        // The budget says 1 GiB; the file system has 320 KiB: the disk fills first.
        let sink = try sink(endpoint, dataDirectory: mountPoint,
                            buffer: BufferConfiguration(memoryBytes: 1 << 16, diskBytes: 1 << 30, segmentBytes: 1 << 16, fsyncInterval: 0.05))
        async let sinkRun: Void = sink.runUntilDrained()
        let submitted = AcknowledgementCounter()
        let producer = Task {
            for batch in batches {
                try await sink.submit(batch)
                submitted.add(1)
            }
        }
        try await waitUntil("the full disk holds the producer") {
            sink.statistics.snapshot.buffer.blocked && submitted.value < batches.count
        }
        let server = try await endpoint.up()
        try await producer.value
        try await waitUntil("all 3000 events are stored once space returns", timeout: .seconds(120)) {
            (try? await server.stats().eventsStored) == 3000
        }
        try await sink.drain()
        await sinkRun
        let stats = try await server.stats()
        await server.stop()
        #expect(stats.duplicates == 0)
        #expect(!sink.statistics.snapshot.buffer.blocked)
        try expectInOrderPerIdentity(endpoint.databasePath)
    }
}
