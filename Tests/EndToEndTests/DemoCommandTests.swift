import Foundation
import Testing

/// `edgetail demo`, the README's main command, as a user runs it.
@Suite struct DemoCommandTests {
    @Test func demoShipsTheSampleAndAccountsForEveryLine() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("edgetail-demo-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try await EdgeTailProcess.run(
            ["demo", "--config", EdgeTailProcess.packageRoot.appendingPathComponent("pipelines/demo.yaml").path, "--work-directory", work.path])
        let output = String(decoding: result.stdout, as: UTF8.self)
        #expect(result.status == 0, "\(output)\n\(result.stderr)")
        func value(_ name: String) -> Int? {
            output.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Int($0.split(separator: " ").last ?? "") }
        }
        let sampleLines = try Data(contentsOf: EdgeTailProcess.packageRoot.appendingPathComponent("samples/access.log")).filter { $0 == 0x0A }.count
        let lines = try #require(value("lines read"))
        let pageViews = try #require(value("page views"))
        let linkClicks = try #require(value("link clicks"))
        let stored = try #require(value("events stored by the stand-in"))
        #expect(lines == sampleLines)
        #expect(pageViews > 0 && linkClicks > 0)
        #expect(stored == pageViews + linkClicks)
        #expect(value("dead letters") == 0)
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("edge-dataset.sqlite").path))
    }
}
