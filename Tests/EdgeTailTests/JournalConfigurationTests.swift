import Foundation
import Testing
@testable import EdgeTail

@Suite struct JournalConfigurationTests {
    func load(source: String) throws -> EdgeTailConfiguration {
        let directory = try TemporaryDirectory()
        let path = try directory.write("edgetail.yaml", """
        sinks: { out: { type: console } }
        pipelines:
          - name: journal
            source: \(source)
            parser: { format: combined }
            events: [{ type: pageView }]
            identity: [{ namespace: FPID, derive: [client_ip], salt: s }]
            sink: out
        """)
        return try ConfigurationLoader(environment: [:]).load(path: path)
    }

    func loadError(source: String) -> String? {
        do {
            _ = try load(source: source)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func journaldNeedsNoIncludeAndTakesItsKeys() throws {
        let configuration = try load(source: """
        { type: journald, matches: [_SYSTEMD_UNIT=nginx.service, [SYSLOG_IDENTIFIER=nginx, _HOSTNAME=web1]], read_from: beginning }
        """)
        let source = configuration.pipelines[0].source
        #expect(source.type == .journald)
        #expect(source.include.isEmpty)
        #expect(source.journal.matches == [["_SYSTEMD_UNIT=nginx.service"], ["SYSLOG_IDENTIFIER=nginx", "_HOSTNAME=web1"]])
        #expect(source.journal.directory == nil)
        #expect(source.journal.syslogPrefix == .strip)
        #expect(source.readFrom == .beginning)
        _ = try PipelinePlan(configuration.pipelines[0], file: "x")
    }

    @Test func relativeDirectoryIsRelativeToTheConfigurationFile() throws {
        let configuration = try load(source: "{ type: journald, directory: journals }")
        let directory = try #require(configuration.pipelines[0].source.journal.directory)
        #expect(directory.hasPrefix("/") && directory.hasSuffix("/journals"))
    }

    @Test func unknownKeysNameWhatAJournalSourceAccepts() throws {
        let error = try #require(loadError(source: "{ type: journald, include: [/var/log/x.log] }"))
        #expect(error.contains("include"))
        #expect(error.contains("matches"))
        let fileError = try #require(loadError(source: "{ type: file, include: [/x.log], matches: [A=b] }"))
        #expect(fileError.contains("matches"))
        #expect(fileError.contains("exclude"))
    }

    @Test func invalidMatchesAndConflictingJournalsAreErrors() throws {
        let match = try #require(loadError(source: "{ type: journald, matches: [nginx.service] }"))
        #expect(match.contains("FIELD=value"))
        let lower = try #require(loadError(source: "{ type: journald, matches: [_systemd_unit=x] }"))
        #expect(lower.contains("FIELD=value"))
        let both = try #require(loadError(source: "{ type: journald, directory: /a, files: [/b] }"))
        #expect(both.contains("either directory or files"))
    }

    @Test func journalFieldsAreTemplateFields() throws {
        #expect(try FieldReference(parsing: "journal._HOSTNAME") == .journal(Array("_HOSTNAME".utf8)))
        #expect(throws: FieldReference.UnknownField.self) { try FieldReference(parsing: "journal.") }
    }
}
