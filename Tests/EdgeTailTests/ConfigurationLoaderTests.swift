import Foundation
import Testing
@testable import EdgeTail

@Suite struct ConfigurationLoaderTests {
    let minimalPipeline = """
    pipelines:
      - name: web
        source: { type: file, include: ["/var/log/nginx/access.log"] }
        parser: { format: combined }
        events:
          - type: pageView
        identity:
          - { namespace: FPID, derive: [client_ip], salt: "${SALT:-fallback}" }
        sink: out
    """

    func load(_ text: String, environment: [String: String] = [:]) throws -> EdgeTailConfiguration {
        let directory = try TemporaryDirectory()
        let path = try directory.write("edgetail.yaml", text)
        return try ConfigurationLoader(environment: environment).load(path: path)
    }

    func loadError(_ text: String, environment: [String: String] = [:]) -> ConfigurationError? {
        do {
            _ = try load(text, environment: environment)
            return nil
        } catch let error as ConfigurationError {
            return error
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    @Test func interpolatesVariablesAndDefaults() throws {
        let configuration = try load("""
        data_dir: ${DATA:-/tmp/x}
        sinks: { out: { type: file, path: "${OUT}/events.jsonl" } }
        \(minimalPipeline)
        """, environment: ["OUT": "/srv", "SALT": "pepper"])
        #expect(configuration.dataDirectory == "/tmp/x")
        #expect(configuration.sinks["out"]?.path == "/srv/events.jsonl")
        #expect(configuration.pipelines[0].identity[0].salt == "pepper")
        #expect(configuration.pipelines[0].source.readFrom == .end)
    }

    /// `${VAR}` works in every scalar: numbers, booleans, durations and sizes too.
    @Test func variablesGiveNumbersBooleansDurationsAndSizes() throws {
        let text = """
        sinks:
          out:
            type: edge
            endpoint: http://127.0.0.1:8080
            datastream_id: "${DATASTREAM:-ds}"
            linger: ${EDGETAIL_LINGER:-1}
            lanes: ${LANES:-4}
            silent: ${SILENT:-false}
            retry_cap: ${RETRY_CAP:-30s}
            max_bytes: ${MAX_BYTES:-60000}
        \(minimalPipeline)
        """
        let defaults = try #require(try load(text).sinks["out"]?.edge)
        #expect(defaults.linger == 1)
        #expect(defaults.lanes == 4)
        #expect(defaults.silent == false)
        #expect(defaults.retryCap == 30)
        #expect(defaults.maxBytes == 60_000)
        let set = try #require(try load(text, environment: [
            "EDGETAIL_LINGER": "0.05", "LANES": "2", "SILENT": "true", "RETRY_CAP": "500ms", "MAX_BYTES": "32KiB", "DATASTREAM": "12345",
        ]).sinks["out"]?.edge)
        #expect(set.linger == 0.05)
        #expect(set.lanes == 2)
        #expect(set.silent == true)
        #expect(set.retryCap == 0.5)
        #expect(set.maxBytes == 32 * 1024)
        // A value that looks like a number stays text where text is expected.
        #expect(set.datastreamID == "12345")
        // An empty value is an empty string, not an absent key: where a number is
        // expected it is an error naming the key, not the default.
        let empty = try #require(loadError("""
        sinks:
          out:
            type: edge
            endpoint: http://127.0.0.1:8080
            datastream_id: ds
            lanes: ${LANES}
        \(minimalPipeline)
        """, environment: ["LANES": ""]))
        #expect(empty.keyPath.hasSuffix("lanes"), "\(empty)")
    }

    @Test func everyDurationAndSizeKeyTakesUnits() throws {
        let configuration = try load("""
        api: { health_max_event_age: 5m }
        log: { summary_interval: 1h }
        sinks:
          out: { type: edge, endpoint: "http://127.0.0.1:8080", datastream_id: ds, linger: 500ms, retry_base: 100ms, retry_cap: 1m,
                 timeout: 2s, max_bytes: 60KB, shutdown_timeout: 10s }
        pipelines:
          - name: web
            source: { type: file, include: ["/var/log/a.log"], poll_interval: 250ms, rotate_wait: 5s, checkpoint_interval: 2s,
                      ignore_older: 24h, scan_interval: 10s, checkpoint_grace: 7d, max_line_bytes: 64KiB }
            parser: { format: combined }
            events: [{ type: pageView }]
            identity: [{ namespace: FPID, derive: [client_ip], salt: s }]
            sink: out
        """)
        let edge = try #require(configuration.sinks["out"]?.edge)
        #expect(edge.linger == 0.5)
        #expect(edge.retryBase == 0.1)
        #expect(edge.retryCap == 60)
        #expect(edge.timeout == 2)
        #expect(edge.maxBytes == 60_000)
        #expect(edge.shutdownTimeout == 10)
        #expect(configuration.api?.healthMaxEventAge == 300)
        #expect(configuration.log.summaryInterval == 3600)
        let source = configuration.pipelines[0].source
        #expect(source.pollInterval == 0.25)
        #expect(source.rotateWait == 5)
        #expect(source.checkpointInterval == 2)
        #expect(source.ignoreOlder == 86_400)
        #expect(source.scanInterval == 10)
        #expect(source.checkpointGrace == 7 * 86_400)
        #expect(source.maxLineBytes == 64 * 1024)
        let wrong = try #require(loadError("""
        sinks: { out: { type: edge, endpoint: "http://127.0.0.1:8080", datastream_id: ds, linger: 5 parsecs } }
        \(minimalPipeline)
        """))
        #expect(wrong.keyPath.hasSuffix("linger"), "\(wrong)")
    }

    /// A `pipelines.d` fragment is checked with the sinks of the main file, replacing
    /// the pipelines the main file took from it.
    @Test func aFragmentIsCheckedAgainstItsMainFile() throws {
        let directory = try TemporaryDirectory()
        let fragment = try directory.write("pipelines.d/web.yaml", minimalPipeline)
        let main = try directory.write("edgetail.yaml", """
        include: ["pipelines.d/*.yaml"]
        sinks: { out: { type: console } }
        """)
        let loader = ConfigurationLoader(environment: [:])
        #expect(try loader.isFragment(path: fragment))
        #expect(try !loader.isFragment(path: main))
        let combined = try loader.load(fragment: fragment, into: loader.load(path: main))
        #expect(combined.pipelines.map(\.name) == ["web"])
        #expect(try ConfigurationValidator.plans(for: combined).count == 1)
    }

    @Test func unsetVariableWithoutDefaultNamesIt() throws {
        let error = try #require(loadError("""
        sinks: { out: { type: file, path: "${MISSING_DIR}/x" } }
        \(minimalPipeline)
        """))
        #expect(error.line == 1)
        #expect(error.keyPath == "sinks.out.path")
        #expect(error.message.contains("MISSING_DIR"))
        #expect(error.file.hasSuffix("edgetail.yaml"))
    }

    @Test func variableInACommentIsIgnored() throws {
        _ = try load("""
        # uses ${NOT_SET_ANYWHERE}
        sinks: { out: { type: console } }
        \(minimalPipeline)
        """)
    }

    @Test func unknownKeyNamesFileLineKeyAndExpectedKeys() throws {
        let error = try #require(loadError("""
        sinks: { out: { type: console } }
        pipelines:
          - name: web
            source: { type: file, include: ["/x.log"] }
            parser: { format: combined }
            evnts: []
            events: [{ type: pageView }]
            identity: [{ namespace: FPID, field: cookie.FPID }]
            sink: out
        """))
        #expect(error.line == 6)
        #expect(error.keyPath == "pipelines[0].evnts")
        #expect(error.message.contains("unknown key 'evnts'"))
        #expect(error.message.contains("events"))
        #expect(error.description.contains("edgetail.yaml:6: pipelines[0].evnts: unknown key"))
    }

    @Test func wrongEnumValueListsChoices() throws {
        let error = try #require(loadError("""
        sinks: { out: { type: console } }
        \(minimalPipeline.replacingOccurrences(of: "format: combined", with: "format: combind"))
        """))
        #expect(error.keyPath == "pipelines[0].parser.format")
        #expect(error.message.contains("unknown value 'combind'; expected one of: common, combined"))
        #expect(error.line == 5)
    }

    @Test func missingRequiredKey() throws {
        let error = try #require(loadError("""
        sinks: { out: { type: file } }
        \(minimalPipeline)
        """))
        #expect(error.keyPath == "sinks.out.path")
        #expect(error.message.contains("path"))
    }

    @Test func invalidYAMLHasALine() throws {
        let error = try #require(loadError("sinks:\n  out: { type: file\npipelines: []\n"))
        #expect(error.line != nil)
        #expect(error.message.hasPrefix("invalid YAML"))
    }

    @Test func includesPipelineFilesByGlob() throws {
        let directory = try TemporaryDirectory()
        try directory.write("pipelines.d/a.yaml", minimalPipeline.replacingOccurrences(of: "name: web", with: "name: a"))
        try directory.write("pipelines.d/b.yaml", minimalPipeline.replacingOccurrences(of: "name: web", with: "name: b"))
        try directory.write("pipelines.d/ignored.txt", "not yaml: [")
        let main = try directory.write("edgetail.yaml", """
        data_dir: state
        include: ["pipelines.d/*.yaml"]
        sinks: { out: { type: console } }
        """)
        let configuration = try ConfigurationLoader(environment: [:]).load(path: main)
        #expect(configuration.pipelines.map(\.name) == ["a", "b"])
        #expect(configuration.dataDirectory == directory.path + "/state")
        #expect(configuration.origins["pipeline:b"]?.hasSuffix("pipelines.d/b.yaml") == true)
    }

    @Test func errorInIncludedFileNamesThatFile() throws {
        let directory = try TemporaryDirectory()
        try directory.write("pipelines.d/bad.yaml", minimalPipeline.replacingOccurrences(of: "sink: out", with: "snk: out"))
        let main = try directory.write("edgetail.yaml", "include: [\"pipelines.d/*.yaml\"]\nsinks: { out: { type: console } }\n")
        #expect {
            try ConfigurationLoader(environment: [:]).load(path: main)
        } throws: { error in
            let error = error as? ConfigurationError
            return error?.file.hasSuffix("bad.yaml") == true && error?.keyPath == "pipelines[0].snk" && error?.line == 9
        }
    }

    @Test func semanticErrorsAreAllListed() throws {
        let configuration = try load("""
        data_dir: /tmp/edgetail-validate-test
        sinks: { out: { type: console } }
        pipelines:
          - name: web
            source: { type: file, include: ["/x.log"] }
            parser: { format: combined, cookie_field: nope }
            site: { base_url: "www.example.com" }
            events:
              - type: pageView
                when: { path: "([unclosed", status: [2xx, 7xx] }
            identity: [{ namespace: FPID, field: "cookie.FPID" }]
            data: { s: "{stauts}" }
            sink: elsewhere
        """)
        let report = ConfigurationValidator.validate(configuration, mainFile: "edgetail.yaml")
        let text = report.errors.map(\.description).joined(separator: "\n")
        #expect(!report.isValid)
        #expect(text.contains("unknown sink 'elsewhere'"))
        #expect(text.contains("parser.cookie_field: unknown field 'nope'"))
        #expect(text.contains("site.base_url"))
        #expect(text.contains("events[0].when.path: invalid regular expression at offset"))
        #expect(text.contains("unknown status '7xx'"))
        #expect(text.contains("data.s"))
        #expect(report.errors.count == 6, "\(text)")
    }

    /// Every example in pipelines/ but the demo (a whole configuration of its own).
    static let bundledPipelines = ((try? FileManager.default.contentsOfDirectory(atPath: repositoryRoot.path + "/pipelines")) ?? [])
        .filter { $0.hasSuffix(".yaml") && $0 != "demo.yaml" }.sorted()

    @Test func everyFormatHasAnExample() {
        #expect(Self.bundledPipelines.count >= 15, "\(Self.bundledPipelines)")
    }

    @Test(arguments: bundledPipelines)
    func bundledPipelineFilesValidate(name: String) throws {
        let directory = try TemporaryDirectory()
        let (configuration, main) = try loadBundledPipeline(name, in: directory)
        let report = ConfigurationValidator.validate(configuration, mainFile: main)
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(configuration.pipelines.count == 1)
    }

    @Test func demoPipelineValidates() throws {
        let configuration = try ConfigurationLoader(environment: [:]).load(path: repositoryRoot.path + "/pipelines/demo.yaml")
        let report = ConfigurationValidator.validate(configuration, mainFile: "demo.yaml")
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(report.warnings.isEmpty, "\(report.warnings)")
    }
}
