import Foundation
import Hummingbird
import Synchronization

// A minimal `/ee/v2/collect` receiver for end-to-end benchmarks: it reads each body,
// counts its events and answers 204, so the benchmark measures the shipper, not the
// receiver. `GET /stats` returns {"requests":N,"events":N,"bytes":N}.
//
//     CountingReceiver [port]      (prints "listening on http://127.0.0.1:PORT" first)

final class Counts: Sendable {
    let requests = Atomic<Int>(0)
    let events = Atomic<Int>(0)
    let bytes = Atomic<Int>(0)
}

/// Occurrences of `"_id":` — one per event in bodies the shipper writes.
func countEvents(_ body: ByteBuffer) -> Int {
    let marker = Array(#""_id":"#.utf8)
    return body.withUnsafeReadableBytes { raw in
        var count = 0
        var index = 0
        let limit = raw.count - marker.count
        while index <= limit {
            if raw[index] == 0x22 && raw[index + 1] == 0x5F && raw[index + 2] == 0x69 && raw[index + 3] == 0x64
                && raw[index + 4] == 0x22 && raw[index + 5] == 0x3A {
                count += 1
                index += marker.count
            } else {
                index += 1
            }
        }
        return count
    }
}

let port = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 0
let counts = Counts()
let router = Router()
router.post("/ee/v2/collect") { request, _ -> Response in
    let body = try await request.body.collect(upTo: 1 << 20)
    counts.requests.add(1, ordering: .relaxed)
    counts.events.add(countEvents(body), ordering: .relaxed)
    counts.bytes.add(body.readableBytes, ordering: .relaxed)
    return Response(status: .noContent)
}
router.get("/stats") { _, _ -> String in
    "{\"requests\":\(counts.requests.load(ordering: .relaxed)),\"events\":\(counts.events.load(ordering: .relaxed)),\"bytes\":\(counts.bytes.load(ordering: .relaxed))}"
}
let app = Application(
    router: router,
    configuration: .init(address: .hostname("127.0.0.1", port: port)),
    onServerRunning: { channel in
        FileHandle.standardOutput.write(Data("listening on http://127.0.0.1:\(channel.localAddress?.port ?? 0)\n".utf8))
    })
try await app.runService()
