import Foundation
import Logging
import Synchronization
import Testing
@testable import EdgeTail

/// One log line when an outage begins, one when it ends; none while nothing changes.
@Suite struct SinkStateWatcherTests {
    @Test func logsTransitionsOnly() {
        let lines = Mutex<[String]>([])
        let logger = Logger(label: "test") { JSONLogHandler(label: $0, write: { line in lines.withLock { $0.append(line) } }) }
        var watcher = SinkStateWatcher()
        var counts = EdgeSinkCounts()
        func step(_ change: (inout EdgeSinkCounts) -> Void) -> [String] {
            change(&counts)
            let before = lines.withLock { $0.count }
            watcher.observe(["edge": counts], logger: logger)
            return lines.withLock { Array($0[before...]) }.compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])?["message"]
            }
        }
        #expect(step { $0.requests["204"] = 3 } == [])
        #expect(step { $0.requests["503"] = 2 } == ["sink requests fail; events wait and are retried"])
        #expect(step { $0.requests["error"] = 5 } == [])
        #expect(step { $0.buffer.blocked = true } == ["sink buffer full; sources wait"])
        #expect(step { $0.requests["204"] = 4; $0.buffer.blocked = false } == ["sink delivers again", "sink buffer has room again"])
        #expect(step { $0.requests["204"] = 9 } == [])
    }
}
