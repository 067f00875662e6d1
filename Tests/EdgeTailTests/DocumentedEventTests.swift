import Foundation
import Testing
@testable import EdgeTail

/// docs/event.md shows the events edgetail sends. Its pipeline and log lines are run
/// through the mapper here and the result must be its JSON, so the page cannot drift.
@Suite struct DocumentedEventTests {
    /// The fenced code blocks of a Markdown text, with their language.
    static func codeBlocks(_ markdown: String) -> [(language: String, text: String)] {
        var blocks: [(String, String)] = []
        var language: String?
        var lines: [Substring] = []
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                if let open = language {
                    blocks.append((open, lines.joined(separator: "\n")))
                    language = nil
                } else {
                    language = String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces)
                    lines = []
                }
            } else if language != nil {
                lines.append(line)
            }
        }
        return blocks
    }

    static func canonical(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self)
    }

    @Test func theDocumentedEventsAreWhatALogLineBecomes() throws {
        let markdown = try String(contentsOfFile: repositoryRoot.path + "/docs/event.md", encoding: .utf8)
        let blocks = Self.codeBlocks(markdown)
        let pipeline = try #require(blocks.first { $0.language == "yaml" }?.text)
        let lines = try #require(blocks.first { $0.language == "text" }?.text).split(separator: "\n").map(String.init)
        let events = blocks.filter { $0.language == "json" }.map(\.text)
        #expect(lines.count == 2)
        #expect(events.count == lines.count)

        let directory = try TemporaryDirectory()
        try directory.write("shop.yaml", pipeline)
        let main = try directory.write("edgetail.yaml", """
        data_dir: \(directory.path)/data
        include: ["shop.yaml"]
        sinks: { edge: { type: console } }
        """)
        let configuration = try ConfigurationLoader(environment: ["EDGETAIL_SALT": "example-salt"]).load(path: main)
        let plan = try PipelinePlan(configuration.pipelines[0], file: main)

        var offset: UInt64 = 0
        var outcomes: [LineOutcome] = []
        for (line, documented) in zip(lines, events) {
            // Each line at its offset in the file, as the file source reads it.
            let (outcome, event) = try mapLine(line, plan: plan, offset: offset, source: "/var/log/nginx/access.log")
            offset += UInt64(line.utf8.count + 1)
            outcomes.append(outcome)
            let made = try Self.canonical(try #require(event))
            let shown = try Self.canonical(try JSONSerialization.jsonObject(with: Data(documented.utf8)))
            #expect(made == shown, "docs/event.md shows\n\(shown)\nbut the line becomes\n\(made)")
        }
        #expect(outcomes == [.pageView, .linkClick])
    }

    @Test func theReadmeLinksThePage() throws {
        let readme = try String(contentsOfFile: repositoryRoot.path + "/README.md", encoding: .utf8)
        #expect(readme.contains("(docs/event.md)"))
    }
}
