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
