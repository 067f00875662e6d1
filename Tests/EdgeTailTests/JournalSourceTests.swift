import Foundation
import Logging
import Testing
@testable import EdgeTail

/// The journal source over real journal files made by systemd-journal-remote.
@Suite struct JournalSourceTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    /// A compiled pipeline whose source is the journal described by `source` (YAML flow keys).
    func plan(_ source: String, readFrom: String = "beginning", data: String = "", identity: String = "{ namespace: FPID, derive: [client_ip, user_agent], salt: s }") throws -> PipelinePlan {
        let path = try directory.write("edgetail.yaml", """
        data_dir: \(directory.path)/data
        sinks: { out: { type: file, path: \(directory.path)/out.jsonl } }
        pipelines:
          - name: journal
            source: { type: journald, read_from: \(readFrom), \(source) }
            parser: { format: combined }
            site: { base_url: "https://www.example.com" }
            events: [{ type: pageView, when: { method: [GET] } }]
            identity: [\(identity)]
            \(data)
            sink: out
        """)
        let configuration = try ConfigurationLoader(environment: [:]).load(path: path)
        return try PipelinePlan(configuration.pipelines[0], file: path)
    }

    func source(_ plan: PipelinePlan, cursor: String? = nil, firstStart: Bool = true, followWait: Duration? = nil,
                ledger: AcknowledgementLedger = AcknowledgementLedger()) throws -> JournalSource {
        try JournalSource(configuration: plan.source, cursor: cursor, firstStart: firstStart, fieldNames: plan.journalFieldNames,
                          followWait: followWait, ledger: ledger, logger: Logger(label: "test"))
    }

    /// Every batch until the source has nothing more, acknowledged as it comes.
    func drain(_ source: JournalSource, ledger: AcknowledgementLedger? = nil) throws -> [LineBatch] {
        var batches: [LineBatch] = []
        while let batch = try source.next() {
            ledger?.acknowledge(sourceID: batch.sourceID, sequence: batch.sequence, endPosition: batch.endPosition, endCursor: batch.endCursor)
            batches.append(batch)
        }
        return batches
    }

    func messages(_ batches: [LineBatch]) -> [String] {
        batches.flatMap { batch in batch.lines.map { String(decoding: batch.bytes[$0.range.start..<$0.range.end], as: UTF8.self) } }
    }

    @Test func readsEveryEntryWithItsFieldsAndTime() throws {
        try JournalFiles.write(JournalFiles.accessEntries(0..<3), to: directory.path + "/j/a.journal")
        let plan = try plan("directory: \(directory.path)/j", data: "data: { host: \"{journal._HOSTNAME}\" }",
                            identity: "{ namespace: CRMID, field: journal.SYSLOG_IDENTIFIER }")
        #expect(Set(plan.journalFieldNames) == ["_HOSTNAME", "SYSLOG_IDENTIFIER"])
        let batches = try drain(try source(plan))
        #expect(messages(batches) == (0..<3).map(JournalFiles.accessLine))
        let batch = try #require(batches.first)
        #expect(batch.lines.first?.sourceTime == 1_764_000_000_000_000)
        let fields = batch.fields[batch.lines[1].fields].map {
            (String(decoding: batch.bytes[$0.name.start..<$0.name.end], as: UTF8.self), String(decoding: batch.bytes[$0.value.start..<$0.value.end], as: UTF8.self))
        }
        #expect(fields.map(\.0).sorted() == ["SYSLOG_IDENTIFIER", "_HOSTNAME"])
        #expect(fields.contains { $0 == ("_HOSTNAME", "web1") })
        #expect(batch.endCursor?.hasPrefix("s=") == true)
        #expect(Set(batch.lines.map(\.offset)).count == 3, "each entry has its own _id key")

        // The mapped events carry the journal fields.
        var processor = LineProcessor(plan: plan)
        let output = processor.process(batch)
        #expect(output.events.count == 3)
        let event = try #require(try JSONSerialization.jsonObject(with: Data(output.bytes[output.events[0].range.start..<output.events[0].range.end])) as? [String: Any])
        #expect(event.value(at: "data.host") as? String == "web1")
        #expect(((event.value(at: "xdm.identityMap") as? [String: Any])?["CRMID"] as? [[String: Any]])?.first?["id"] as? String == "nginx")
    }

    @Test func theSameEntryReadAgainHasTheSameKey() throws {
        try JournalFiles.write(JournalFiles.accessEntries(0..<5), to: directory.path + "/j/a.journal")
        let plan = try plan("files: [\(directory.path)/j/a.journal]")
        let first = try drain(try source(plan)).flatMap { $0.lines.map(\.offset) }
        let second = try drain(try source(plan)).flatMap { $0.lines.map(\.offset) }
        #expect(first.count == 5)
        #expect(first == second)
    }

    @Test func matchesAreAndWithinAGroupAndOrBetweenGroups() throws {
        var export = JournalFiles.accessEntries(0..<4, identifier: "nginx", unit: "nginx.service", host: "web1")
        export.entry(realtime: 1_764_000_100_000_000, monotonic: 100, [("MESSAGE", "app says hi"), ("SYSLOG_IDENTIFIER", "app"), ("_SYSTEMD_UNIT", "app.service"), ("_HOSTNAME", "web2")])
        export.entry(realtime: 1_764_000_100_000_001, monotonic: 101, [("MESSAGE", "nginx on web2"), ("SYSLOG_IDENTIFIER", "nginx"), ("_SYSTEMD_UNIT", "nginx.service"), ("_HOSTNAME", "web2")])
        export.entry(realtime: 1_764_000_100_000_002, monotonic: 102, [("MESSAGE", "cron"), ("SYSLOG_IDENTIFIER", "cron"), ("_HOSTNAME", "web1")])
        try JournalFiles.write(export, to: directory.path + "/j/a.journal")

        let unit = try drain(try source(try plan("directory: \(directory.path)/j, matches: [_SYSTEMD_UNIT=nginx.service]")))
        #expect(messages(unit).count == 5)
        #expect(!messages(unit).contains("app says hi"))

        let both = try drain(try source(try plan("directory: \(directory.path)/j, matches: [[SYSLOG_IDENTIFIER=nginx, _HOSTNAME=web2]]")))
        #expect(messages(both) == ["nginx on web2"])

        let either = try drain(try source(try plan("directory: \(directory.path)/j, matches: [SYSLOG_IDENTIFIER=app, SYSLOG_IDENTIFIER=cron]")))
        #expect(messages(either) == ["app says hi", "cron"])
    }

    @Test func binaryMessagePassesThroughAsBytes() throws {
        let binary: [UInt8] = [0x31, 0x00, 0xFF, 0xFE, 0x0A, 0x41, 0x0D, 0x7F, 0xC3]
        var export = JournalExportWriter()
        export.entry(realtime: 1_764_000_000_000_000, monotonic: 1, fields: [("MESSAGE", binary), ("SYSLOG_IDENTIFIER", Array("x".utf8))])
        export.entry(realtime: 1_764_000_000_000_001, monotonic: 2, fields: [("MESSAGE", Array("plain".utf8))])
        try JournalFiles.write(export, to: directory.path + "/j/a.journal")
        let batches = try drain(try source(try plan("directory: \(directory.path)/j")))
        let batch = try #require(batches.first)
        #expect(batch.lines.count == 2)
        #expect(Array(batch.bytes[batch.lines[0].range.start..<batch.lines[0].range.end]) == binary)
        var processor = LineProcessor(plan: try plan("directory: \(directory.path)/j"))
        let output = processor.process(batch)
        #expect(output.rejected.first?.line == binary, "a binary message fails with its bytes kept")
    }

    @Test func resumesAfterTheCheckpointedCursorWithNothingLostOrRepeated() throws {
        try JournalFiles.write(JournalFiles.accessEntries(0..<10_000), to: directory.path + "/j/a.journal")
        let plan = try plan("directory: \(directory.path)/j")
        let ledger = AcknowledgementLedger()
        let first = try source(plan, ledger: ledger)
        first.batchEntries = 1000
        // Read three batches, acknowledge only the first two.
        var seen: [String] = []
        for index in 0..<3 {
            let batch = try #require(try first.next())
            seen += messages([batch])
            if index < 2 { ledger.acknowledge(sourceID: batch.sourceID, sequence: batch.sequence, endPosition: batch.endPosition, endCursor: batch.endCursor) }
        }
        let cursor = try #require(ledger.committedCursors()[first.sourceID])
        let rest = messages(try drain(try source(plan, cursor: cursor, firstStart: false)))
        #expect(rest.count == 8000)
        #expect(Array(seen.prefix(2000)) + rest == (0..<10_000).map(JournalFiles.accessLine))
    }

    @Test func readFromEndSkipsWhatIsThereAndCheckpointsTheLastEntry() throws {
        try JournalFiles.write(JournalFiles.accessEntries(0..<5), to: directory.path + "/j/a.journal")
        let configuration = try plan("directory: \(directory.path)/j", readFrom: "end")
        let ledger = AcknowledgementLedger()
        let fromEnd = try source(configuration, ledger: ledger)
        #expect(try drain(fromEnd).isEmpty)
        let cursor = try #require(ledger.committedCursors()[fromEnd.sourceID], "the start is checkpointed")
        try JournalFiles.write(JournalFiles.accessEntries(5..<7), to: directory.path + "/j/b.journal")
        let later = messages(try drain(try source(configuration, cursor: cursor, firstStart: false)))
        #expect(later == (5..<7).map(JournalFiles.accessLine))
    }

    @Test func followsEntriesAppendedByAnotherWriter() async throws {
        try JournalFiles.write(JournalFiles.accessEntries(0..<100), to: directory.path + "/j/a.journal")
        let follower = try source(try plan("directory: \(directory.path)/j"), followWait: .milliseconds(100))
        var read = messages(try drain(follower))
        #expect(read.count == 100)
        // A second journal-remote writes another file into the same directory while we follow.
        let writer = try JournalFiles.Writer(path: directory.path + "/j/b.journal")
        for chunk in 0..<20 {
            try writer.write(JournalFiles.accessEntries((100 + chunk * 100)..<(200 + chunk * 100)))
            if let batch = try follower.next() { read += messages([batch]) } else { await follower.waitForData(upTo: .seconds(1)) }
        }
        try? writer.input.fileHandleForWriting.close()
        let deadline = ContinuousClock.now + .seconds(60)
        while read.count < 2100 && ContinuousClock.now < deadline {
            if let batch = try follower.next() { read += messages([batch]) } else { await follower.waitForData(upTo: .seconds(1)) }
        }
        writer.finish()
        #expect(read == (0..<2100).map(JournalFiles.accessLine))
    }

    /// Idle, a follower sleeps on the journal's descriptor for as long as it is asked
    /// (not `poll_interval`); a stop ends the wait at once.
    @Test func anIdleFollowerWaitsUntilAStop() async throws {
        try JournalFiles.write(JournalFiles.accessEntries(0..<10), to: directory.path + "/j/a.journal")
        let follower = try source(try plan("directory: \(directory.path)/j"), followWait: .milliseconds(10))
        #expect(messages(try drain(follower)).count == 10)
        let latch = follower.wakeLatch
        let stopper = Thread {
            usleep(100_000)
            latch.set()
        }
        stopper.start()
        let started = ContinuousClock.now
        await follower.waitForData(upTo: .seconds(120))
        #expect(ContinuousClock.now - started < .seconds(60), "a set latch did not end the wait")
        // Not `followWait` (10 ms) either: the wait ended for the stop, at 100 ms.
        #expect(latch.isSet, "the wait ended before the stop")
    }

    @Test func aCorruptedFileIsReportedAndSkippedAndTheRestRead() throws {
        try JournalFiles.write(JournalFiles.accessEntries(0..<50), to: directory.path + "/j/a.journal")
        try JournalFiles.write(JournalFiles.accessEntries(50..<100), to: directory.path + "/j/b.journal")
        try JournalFiles.write(JournalFiles.accessEntries(100..<150), to: directory.path + "/j/c.journal")
        // Cut b.journal short: its header then claims more than the file holds.
        let broken = directory.path + "/j/b.journal"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: broken))
        try handle.truncate(atOffset: 4096)
        try handle.close()
        let configuration = JournalConfiguration(directory: directory.path + "/j")
        #expect(JournalFileCheck.problems(configuration).map(\.path) == [broken])
        let read = messages(try drain(try source(try plan("directory: \(directory.path)/j"))))
        #expect(read == (Array(0..<50) + Array(100..<150)).map(JournalFiles.accessLine))
    }

    @Test func readsAHundredThousandEntries() throws {
        try JournalFiles.write(JournalFiles.accessEntries(0..<100_000), to: directory.path + "/j/a.journal")
        let plan = try plan("directory: \(directory.path)/j")
        var processor = LineProcessor(plan: plan)
        var count = 0
        var pageViews = 0
        var keys = Set<UInt64>()
        let journal = try source(plan)
        while let batch = try journal.next() {
            count += batch.lines.count
            keys.formUnion(batch.lines.map(\.offset))
            pageViews += processor.process(batch).counts.pageViews
        }
        #expect(count == 100_000)
        #expect(keys.count == 100_000)
        #expect(pageViews == 100_000)
    }

    @Test func permissionDeniedNamesTheGroup() {
        let error = JournalError.opening("directory /var/log/journal", result: -EACCES)
        #expect(error.description.contains("systemd-journal"))
        #expect(JournalError.opening("x", result: -ENOENT).description.contains("No such file"))
    }
}
