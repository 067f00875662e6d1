import Testing
@testable import EdgeTail

/// Counters move when things are counted, not when `/metrics` is scraped: each test
/// renders with an empty snapshot, so only what was recorded at the event shows.
@Suite struct MetricsRecordingTests {
    func value(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test func pipelineCountsMoveTheirCountersAsBatchesAreCounted() {
        let exporter = MetricsExporter()
        let statistics = PipelineStatistics()
        var early = PipelineCounts()
        early.lines = 3
        early.bytes = 300
        early.pageViews = 2
        early.dropped["bot"] = 1
        // Counted before the metrics were attached: caught up at attachment.
        statistics.add(early)
        statistics.attach(exporter.pipelineMetrics("web"))
        var batch = PipelineCounts()
        batch.lines = 5
        batch.bytes = 500
        batch.linkClicks = 1
        batch.failed = 2
        batch.dropped["bot"] = 2
        batch.invalidIdentities["FPID"] = 1
        statistics.add(batch)
        let text = exporter.render(TelemetrySnapshot())
        #expect(value(text, #"edgetail_lines_read_total{pipeline="web"}"#) == 8)
        #expect(value(text, #"edgetail_bytes_read_total{pipeline="web"}"#) == 800)
        #expect(value(text, #"edgetail_events_total{pipeline="web",type="page_view"}"#) == 2)
        #expect(value(text, #"edgetail_events_total{pipeline="web",type="link_click"}"#) == 1)
        #expect(value(text, #"edgetail_parse_failures_total{pipeline="web"}"#) == 2)
        #expect(value(text, #"edgetail_dropped_lines_total{pipeline="web",reason="bot"}"#) == 3)
        #expect(value(text, #"edgetail_invalid_identities_total{pipeline="web",namespace="FPID"}"#) == 1)
        // A scrape does not count anything: the same text again.
        #expect(exporter.render(TelemetrySnapshot()) == text)
    }

    @Test func aPipelineRebuiltByAReloadContinuesTheSameSeries() {
        let exporter = MetricsExporter()
        let first = PipelineStatistics()
        first.attach(exporter.pipelineMetrics("web"))
        var counts = PipelineCounts()
        counts.lines = 10
        first.add(counts)
        let successor = PipelineStatistics()
        successor.attach(exporter.pipelineMetrics("web"))
        counts.lines = 4
        successor.add(counts)
        let text = exporter.render(TelemetrySnapshot())
        #expect(value(text, #"edgetail_lines_read_total{pipeline="web"}"#) == 14)
    }

    @Test func fileRotationsAndTruncationsAreCountedWhenSeen() {
        let exporter = MetricsExporter()
        let statistics = FileSourceStatistics()
        statistics.recordRotation()
        statistics.attach(exporter.pipelineMetrics("web"))
        statistics.recordRotation()
        statistics.recordTruncation()
        let text = exporter.render(TelemetrySnapshot())
        #expect(value(text, #"edgetail_file_rotations_total{pipeline="web"}"#) == 2)
        #expect(value(text, #"edgetail_file_truncations_total{pipeline="web"}"#) == 1)
        #expect(statistics.snapshot.rotations == 2)
    }

    @Test func sinkAnswersRetriesAndSettledEventsAreCountedByCode() {
        let exporter = MetricsExporter()
        let statistics = EdgeSinkStatistics()
        statistics.attach(exporter.sinkMetrics("edge"))
        statistics.recordAnswer(status: 200, refusal: nil, errors: [], warnings: ["EXEG-0204-200"])
        statistics.recordAnswer(status: 207, refusal: nil, errors: ["EXEG-0201-503"], warnings: [])
        statistics.recordAnswer(status: 400, refusal: "EXEG-0104-422", errors: [], warnings: [])
        statistics.recordUnanswered()
        statistics.recordRetry()
        statistics.recordRequestUnits(5)
        statistics.recordRequestUnits(2)
        statistics.recordResendsAvoided(3)
        statistics.recordBufferDrop(reason: "drop_newest", count: 4)
        let ack = Acknowledgement(count: 0) {}
        let event = { (namespace: String) in
            PendingEvent(bytes: [], range: ByteRange(0, 0), acknowledgement: ack, namespace: namespace, identityHash: 0)
        }
        statistics.recordEvents([event("FPID"), event("FPID"), event("ECID")], outcome: "delivered")
        statistics.recordEvents([event("FPID")], outcome: "dead_lettered")
        let text = exporter.render(TelemetrySnapshot())
        #expect(value(text, #"edgetail_sink_requests_total{sink="edge",status="200"}"#) == 1)
        #expect(value(text, #"edgetail_sink_requests_total{sink="edge",status="400"}"#) == 1)
        #expect(value(text, #"edgetail_sink_requests_total{sink="edge",status="error"}"#) == 1)
        #expect(value(text, #"edgetail_sink_errors_total{sink="edge",code="EXEG-0104-422"}"#) == 1)
        #expect(value(text, #"edgetail_sink_errors_total{sink="edge",code="EXEG-0201-503"}"#) == 1)
        #expect(value(text, #"edgetail_sink_warnings_total{sink="edge",code="EXEG-0204-200"}"#) == 1)
        #expect(value(text, #"edgetail_sink_retries_total{sink="edge"}"#) == 1)
        #expect(value(text, #"edgetail_sink_request_units_total{sink="edge"}"#) == 7)
        #expect(value(text, #"edgetail_sink_resends_avoided_total{sink="edge"}"#) == 3)
        #expect(value(text, #"edgetail_buffer_dropped_events_total{sink="edge",reason="drop_newest"}"#) == 4)
        #expect(value(text, #"edgetail_sink_events_total{sink="edge",namespace="FPID",outcome="delivered"}"#) == 2)
        #expect(value(text, #"edgetail_sink_events_total{sink="edge",namespace="ECID",outcome="delivered"}"#) == 1)
        #expect(value(text, #"edgetail_sink_events_total{sink="edge",namespace="FPID",outcome="dead_lettered"}"#) == 1)
        #expect(value(text, #"edgetail_sink_dead_letters_total{sink="edge"}"#) == 1)
        // The run summary's counts agree with the counters.
        let counts = statistics.snapshot
        #expect(counts.errors == ["EXEG-0104-422": 1, "EXEG-0201-503": 1])
        #expect(counts.eventsDelivered == 3 && counts.eventsDeadLettered == 1)
        #expect(counts.requestUnits == 7)
    }

    @Test func reloadsAreCountedByResult() {
        let exporter = MetricsExporter()
        exporter.recordReload("applied")
        exporter.recordReload("rejected")
        exporter.recordReload("applied")
        let text = exporter.render(TelemetrySnapshot())
        #expect(value(text, #"edgetail_reloads_total{result="applied"}"#) == 2)
        #expect(value(text, #"edgetail_reloads_total{result="rejected"}"#) == 1)
    }
}
