import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which events an Edge sink has settled — delivered, or written durably to its disk
/// buffer — so that a restart after a crash does not send them again.
///
/// After `kill -9`, a source re-reads the lines after its last checkpoint and the
/// buffer replays segments that were only partly delivered; their events carry the
/// same `_id`s, and Analytics, CJA and the data lake count every copy. So each 2xx
/// appends the 64-bit keys of the request's `_id`s to `data_dir/delivered/SINK.log`,
/// and each write to the disk buffer appends its events' keys marked `buffered` (one
/// `write` each, no fsync: a killed process's writes survive in the page cache). At
/// start the keys of earlier runs are loaded: a line read again whose event was
/// delivered or is waiting in a segment, and a segment record that was delivered, are
/// acknowledged without being sent. What is left to resend after a crash is what was
/// in flight: at most one request per lane.
///
/// A key's lowest bit says which: 0 delivered, 1 buffered. The log keeps two
/// generations of `generationSize` keys (the current file and `SINK.log.1`), so it
/// remembers at least the last `generationSize` of them, in 8 bytes each on disk and in
/// memory; a key found again is written again, so a crash loop never forgets it.
final class DeliveryLog: Sendable {
    let path: String
    let generationSize: Int
    /// Keys delivered before this run started, sorted.
    private let previous: [UInt64]
    private let file: Mutex<(descriptor: Int32, count: Int)>

    struct Failure: Error, CustomStringConvertible {
        var path: String
        var operation: String
        var code: Int32
        var description: String { "cannot \(operation) \(path): \(String(cString: strerror(code)))" }
    }

    static func path(dataDirectory: String, sink: String) -> String {
        let safe = String(sink.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        return ((dataDirectory as NSString).appendingPathComponent("delivered") as NSString).appendingPathComponent(safe + ".log")
    }

    init(path: String, generationSize: Int = 65_536) throws(Failure) {
        self.path = path
        self.generationSize = generationSize
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        } catch {
            throw Failure(path: path, operation: "create the directory of", code: EACCES)
        }
        let current = Self.readKeys(path)
        var keys = Self.readKeys(path + ".1") + current
        keys.sort()
        var unique: [UInt64] = []
        unique.reserveCapacity(keys.count)
        for key in keys where unique.last != key { unique.append(key) }
        previous = unique
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw Failure(path: path, operation: "open", code: errno) }
        file = Mutex((descriptor, current.count))
    }

    deinit {
        file.withLock { _ = close($0.descriptor) }
    }

    /// How many keys the previous runs left.
    var previousCount: Int { previous.count }

    /// How an earlier run settled an event.
    enum Settlement: UInt64 {
        case delivered = 0
        case buffered = 1
    }

    /// An earlier run delivered the event.
    func deliveredBefore(_ key: UInt64) -> Bool {
        contains(key & ~1)
    }

    /// An earlier run delivered the event or wrote it to the disk buffer.
    func settledBefore(_ key: UInt64) -> Bool {
        contains(key & ~1) || contains(key | 1)
    }

    private func contains(_ key: UInt64) -> Bool {
        var low = 0
        var high = previous.count
        while low < high {
            let middle = (low + high) / 2
            if previous[middle] < key { low = middle + 1 } else { high = middle }
        }
        return low < previous.count && previous[low] == key
    }

    /// Records how events were settled; a failure costs only duplicates after a crash.
    func record(_ keys: [UInt64], as settlement: Settlement = .delivered) {
        guard !keys.isEmpty else { return }
        let marked = keys.map { (($0 & ~1) | settlement.rawValue).littleEndian }
        file.withLock { file in
            if file.count >= generationSize {
                rename(path, path + ".1")
                let fresh = open(path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0o640)
                if fresh >= 0 {
                    close(file.descriptor)
                    file = (fresh, 0)
                }
            }
            let written = marked.withUnsafeBytes { Glibc.write(file.descriptor, $0.baseAddress, $0.count) }
            if written > 0 { file.count += written / 8 }
        }
    }

    private static func readKeys(_ path: String) -> [UInt64] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let count = data.count / 8
        return data.withUnsafeBytes { raw in
            (0..<count).map { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) }
        }
    }

    /// A stable 64-bit key (FNV-1a) of the event's `_id`, which the mapper writes
    /// first in `{"xdm":{"_id":"…"`, its lowest bit clear; nil for an event without one.
    ///
    /// Computed for every event delivered, so where the mapper puts `_id` is looked at
    /// first, and other layouts (events from older segments) are searched, without
    /// allocating either way.
    static func key(ofEvent json: ArraySlice<UInt8>) -> UInt64? {
        json.withUnsafeBufferPointer { bytes in
            let start: Int
            if startsAsTheMapperWrites(bytes) {
                start = mapperPrefix.utf8CodeUnitCount
            } else if let found = idValueStart(in: UnsafeBufferPointer(rebasing: bytes.prefix(256))) {
                start = found
            } else {
                return nil
            }
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            var index = start
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") { return hash & ~1 }
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
                index += 1
            }
            return nil
        }
    }

    /// How every event the mapper writes begins.
    private static var mapperPrefix: StaticString { #"{"xdm":{"_id":""# }

    private static func startsAsTheMapperWrites(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        mapperPrefix.withUTF8Buffer { prefix in
            guard bytes.count > prefix.count, let base = bytes.baseAddress, let expected = prefix.baseAddress else { return false }
            return memcmp(base, expected, prefix.count) == 0
        }
    }

    /// Where the value of the first `"_id":"` in `window` starts.
    private static func idValueStart(in window: UnsafeBufferPointer<UInt8>) -> Int? {
        let marker: StaticString = #""_id":""#
        let length = marker.utf8CodeUnitCount
        guard window.count >= length else { return nil }
        return marker.withUTF8Buffer { marker in
            for index in 0...(window.count - length)
            where window[index] == UInt8(ascii: "\"") && UnsafeBufferPointer(rebasing: window[index..<index + length]).elementsEqual(marker) {
                return index + length
            }
            return nil
        }
    }
}
