import Foundation
import Logging
import Testing
@testable import EdgeTail

/// The disk tier of the buffer on real files: records, segments, recovery.
@Suite struct BufferSegmentTests {
    let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    @Test func crc32cMatchesTheCastagnoliCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        // Lengths around the eight-byte stride take both loops.
        let bytes = (0..<37).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var bytewise: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            bytewise ^= UInt32(byte)
            for _ in 0..<8 { bytewise = bytewise & 1 == 1 ? (bytewise >> 1) ^ 0x82F6_3B78 : bytewise >> 1 }
        }
        #expect(CRC32C.checksum(bytes) == bytewise ^ 0xFFFF_FFFF)
    }

    @Test func recordsRoundTripAndDamageIsSeen() throws {
        var bytes: [UInt8] = []
        BufferRecord.append(writtenAt: 1_780_000_000.5, identityHash: 42, namespace: "FPID", json: Array(#"{"a":1}"#.utf8)[...], to: &bytes)
        #expect(bytes.count == BufferRecord.encodedSize(namespaceBytes: 4, jsonBytes: 7))
        guard case .record(let record, let size) = bytes.withUnsafeBytes({ BufferRecord.decode($0) }) else {
            Issue.record("record not decoded")
            return
        }
        #expect(size == bytes.count)
        #expect(record == BufferRecord(writtenAt: 1_780_000_000.5, identityHash: 42, namespace: "FPID", json: Array(#"{"a":1}"#.utf8)))
        var flipped = bytes
        flipped[flipped.count - 2] ^= 0x01
        guard case .damaged = flipped.withUnsafeBytes({ BufferRecord.decode($0) }) else {
            Issue.record("a flipped bit went unnoticed")
            return
        }
        guard case .incomplete = Array(bytes.dropLast(3)).withUnsafeBytes({ BufferRecord.decode($0) }) else {
            Issue.record("a short record was not reported incomplete")
            return
        }
    }

    /// Writes `count` one-record appends of event `i` (JSON `{"n":i}`), sealing at the end.
    func fill(_ spill: DiskSpill, from first: Int = 0, count: Int, seal: Bool = true) throws {
        for number in first..<(first + count) {
            var bytes: [UInt8] = []
            BufferRecord.append(writtenAt: 1, identityHash: UInt64(number), namespace: "FPID", json: Array("{\"n\":\(number)}".utf8)[...], to: &bytes)
            try spill.append(bytes, records: 1, writtenAt: 1)
        }
        if seal {
            // As the buffer seals: fsyncs of duplicated descriptors, then the close.
            for target in try spill.detachedSyncs() {
                #expect(SegmentWriter.syncAndClose(target.descriptor) == 0)
                spill.synced(target.writer, upTo: target.size)
            }
            #expect(spill.closeIfDurable())
        }
    }

    func records(_ numbers: Range<Int>) -> [UInt8] {
        var bytes: [UInt8] = []
        for number in numbers {
            BufferRecord.append(writtenAt: 1, identityHash: UInt64(number), namespace: "FPID", json: Array("{\"n\":\(number)}".utf8)[...], to: &bytes)
        }
        return bytes
    }

    @Test func segmentsWrittenAheadAreReadFirstAndParkedOnesOnlyAfterARestart() throws {
        let directory = try TemporaryDirectory()
        do {
            let spill = try DiskSpill(directory: directory.path + "/buffer", segmentBytes: 1 << 16, logger: logger)
            try fill(spill, from: 100, count: 10)
            // Reserved before either is written: two writers off the actor never share an id.
            let onDisk = spill.diskBytes
            let parkedBytes = records(50..<60)
            let olderBytes = records(0..<50)
            let parked = spill.reserveAheadID(bytes: parkedBytes.count)
            let older = spill.reserveAheadID(bytes: olderBytes.count)
            #expect(older < parked && parked < (spill.segments.first?.id ?? 0))
            // Counted against the disk budget while they are written.
            #expect(spill.diskBytes == onDisk + parkedBytes.count + olderBytes.count)
            let parkedSize = try DiskSpill.writeDurably(path: spill.path(of: parked), bytes: parkedBytes)
            let olderSize = try DiskSpill.writeDurably(path: spill.path(of: older), bytes: olderBytes)
            // Registered in the other order than reserved: still kept in id order.
            spill.insertAhead(id: parked, size: parkedSize, records: 10, writtenAt: 1, alreadyRead: true)
            spill.insertAhead(id: older, size: olderSize, records: 50, writtenAt: 1, alreadyRead: false)
            #expect(spill.segments.map(\.id) == spill.segments.map(\.id).sorted())
            #expect(spill.diskBytes == onDisk + parkedSize + olderSize)
            let abandoned = spill.reserveAheadID(bytes: 100)
            spill.abandonAhead(id: abandoned)
            #expect(abandoned < older && spill.diskBytes == onDisk + parkedSize + olderSize)
            // Read and acknowledged, the others are deleted; the parked segment waits for its
            // events' settlement, which this run never reports.
            #expect(try readAll(spill) == Array(0..<50) + Array(100..<110), "the parked events are in the lanes already")
        }
        let again = try DiskSpill(directory: directory.path + "/buffer", segmentBytes: 1 << 16, logger: logger)
        _ = try again.recover()
        #expect(try readAll(again) == Array(50..<60), "a restart replays what was parked")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full"), "needs /dev/full"))
    func aFailedWriteAheadLeavesNoFile() throws {
        let directory = try TemporaryDirectory()
        // The segment opens (through a link to /dev/full), then its write fails with ENOSPC.
        let path = directory.path + "/full.seg"
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/dev/full")
        #expect(throws: SegmentError.self) { try DiskSpill.writeDurably(path: path, bytes: records(0..<1)) }
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) == nil, "the failed segment is removed")
        #expect(FileManager.default.fileExists(atPath: "/dev/full"))
    }

    func readAll(_ spill: DiskSpill) throws -> [Int] {
        var numbers: [Int] = []
        while let batch = try spill.read(maxBytes: 1000), !batch.records.isEmpty {
            for record in batch.records {
                numbers.append(Int(String(decoding: record.json, as: UTF8.self).dropFirst(5).dropLast()) ?? -1)
            }
            spill.acknowledge(segment: batch.segment, count: batch.records.count)
        }
        return numbers
    }

    @Test func segmentsAreReadOldestFirstAndDeletedOnceAcknowledged() throws {
        let directory = try TemporaryDirectory()
        let spill = try DiskSpill(directory: directory.path + "/buffer", segmentBytes: 1 << 16, logger: logger)
        try fill(spill, count: 5000)
        #expect(spill.segments.count > 1, "5000 records must span several 64 KiB segments")
        #expect(try readAll(spill) == Array(0..<5000))
        #expect(spill.segments.isEmpty)
        #expect(DiskSpill.segmentFiles(in: directory.path + "/buffer").isEmpty)
    }

    /// A segment that fills up is closed without an fsync on the caller's thread: the
    /// next interval's detached fsyncs cover it with the segment being written, and only
    /// then is it let go.
    @Test func aFullSegmentIsMadeDurableByTheNextDetachedFsync() throws {
        let directory = try TemporaryDirectory()
        let spill = try DiskSpill(directory: directory.path + "/buffer", segmentBytes: 1 << 16, logger: logger)
        try fill(spill, count: 5000, seal: false)
        let segments = spill.segments.count
        #expect(segments > 2)
        let targets = try spill.detachedSyncs()
        #expect(targets.count == segments, "every segment written since the last fsync, rolled or current")
        #expect(Set(targets.map { ObjectIdentifier($0.writer) }).count == segments)
        for target in targets {
            #expect(SegmentWriter.syncAndClose(target.descriptor) == 0)
            spill.synced(target.writer, upTo: target.size)
        }
        #expect(!spill.hasUnsynced)
        #expect(try spill.detachedSyncs().isEmpty)
        // Written on: only the current segment waits again.
        try fill(spill, from: 5000, count: 1, seal: false)
        let next = try spill.detachedSyncs()
        #expect(next.count == 1)
        for target in next { _ = SegmentWriter.syncAndClose(target.descriptor) }
        #expect(try readAll(spill) == Array(0..<5001))
    }

    @Test func aRestartReplaysWhatWasLeftInOrder() throws {
        let directory = try TemporaryDirectory()
        do {
            let spill = try DiskSpill(directory: directory.path + "/buffer", segmentBytes: 1 << 16, logger: logger)
            try fill(spill, count: 3000)
        }
        let again = try DiskSpill(directory: directory.path + "/buffer", segmentBytes: 1 << 16, logger: logger)
        let recovery = try again.recover()
        #expect(recovery.records == 3000)
        #expect(recovery.tornRecords == 0 && recovery.corruptSegments.isEmpty)
        try fill(again, from: 3000, count: 10)
        #expect(try readAll(again) == Array(0..<3010))
    }

    @Test func aTornLastRecordIsCutAndTheRestKept() throws {
        let directory = try TemporaryDirectory()
        let bufferDirectory = directory.path + "/buffer"
        do {
            let spill = try DiskSpill(directory: bufferDirectory, segmentBytes: 1 << 20, logger: logger)
            try fill(spill, count: 100)
        }
        let path = try #require(DiskSpill.segmentFiles(in: bufferDirectory).last?.path)
        // A crash in the middle of the next write: half a record at the end.
        var torn: [UInt8] = []
        BufferRecord.append(writtenAt: 1, identityHash: 1, namespace: "FPID", json: Array(#"{"n":100}"#.utf8)[...], to: &torn)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(torn.prefix(torn.count / 2)))
        try handle.close()

        let spill = try DiskSpill(directory: bufferDirectory, segmentBytes: 1 << 20, logger: logger)
        let recovery = try spill.recover()
        #expect(recovery.tornRecords == 1)
        #expect(recovery.corruptSegments.isEmpty)
        #expect(try readAll(spill) == Array(0..<100))
    }

    @Test func aScribbledSegmentIsMovedAsideAndItsWholeRecordsKept() throws {
        let directory = try TemporaryDirectory()
        let bufferDirectory = directory.path + "/buffer"
        do {
            let spill = try DiskSpill(directory: bufferDirectory, segmentBytes: 1 << 16, logger: logger)
            try fill(spill, count: 5000)
        }
        let files = DiskSpill.segmentFiles(in: bufferDirectory)
        #expect(files.count >= 3)
        // Scribble in the middle of the second segment.
        let second = files[1].path
        let size = try #require(try FileManager.default.attributesOfItem(atPath: second)[.size] as? Int)
        let handle = try #require(FileHandle(forUpdatingAtPath: second))
        try handle.seek(toOffset: UInt64(size / 2))
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 64))
        try handle.close()
        // And cut the last segment in the middle of a record.
        let last = try #require(files.last?.path)
        let lastSize = try #require(try FileManager.default.attributesOfItem(atPath: last)[.size] as? Int)
        #expect(truncate(last, off_t(lastSize - 5)) == 0)

        let spill = try DiskSpill(directory: bufferDirectory, segmentBytes: 1 << 16, logger: logger)
        let recovery = try spill.recover()
        #expect(recovery.corruptSegments.count == 1)
        #expect(recovery.tornRecords == 1)
        let aside = try #require(recovery.corruptSegments.first)
        #expect(FileManager.default.fileExists(atPath: aside))
        let numbers = try readAll(spill)
        // Every record but those from the damage to the end of the second segment,
        // and the last (torn) one, is replayed, in order.
        #expect(numbers == numbers.sorted())
        #expect(numbers.count < 4999 && numbers.count > 3000)
        #expect(numbers.first == 0)
        #expect(Set(numbers).count == numbers.count)
    }

    @Test func twoProcessesCannotShareABuffer() throws {
        let directory = try TemporaryDirectory()
        let first = try DiskSpill(directory: directory.path + "/buffer", segmentBytes: 1 << 16, logger: logger)
        #expect(throws: DiskSpill.BufferInUse.self) {
            _ = try DiskSpill(directory: directory.path + "/buffer", segmentBytes: 1 << 16, logger: logger)
        }
        _ = first
    }

    @Test func sizesAndDurationsReadAsOperatorsWriteThem() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("edgetail.yaml", """
        sinks:
          edge:
            type: edge
            endpoint: https://edge.adobedc.net
            datastream_id: ds
            shutdown_timeout: 5s
            buffer: { memory_bytes: 2MiB, disk_bytes: 1GB, when_full: drop_newest, fsync: 250ms, spill_after: 2m }
        """)
        let configuration = try ConfigurationLoader(environment: [:]).load(path: path)
        let buffer = try #require(configuration.sinks["edge"]?.edge?.buffer)
        #expect(buffer.memoryBytes == 2 << 20)
        #expect(buffer.diskBytes == 1_000_000_000)
        #expect(buffer.segmentBytes == 8 << 20)
        #expect(buffer.whenFull == .dropNewest)
        #expect(buffer.fsyncInterval == 0.25)
        #expect(buffer.spillAfter == 120)
        #expect(configuration.sinks["edge"]?.edge?.shutdownTimeout == 5)
    }

    @Test func aBufferTypoNamesTheKeyAndWhatWasExpected() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("edgetail.yaml", """
        sinks:
          edge:
            type: edge
            datastream_id: ds
            buffer: { memory_bytes: 16 MiBs, when_full: block }
        """)
        let error = #expect(throws: ConfigurationError.self) { _ = try ConfigurationLoader(environment: [:]).load(path: path) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("memory_bytes"), "\(text)")
        #expect(text.contains("16MiB"), "\(text)")
        #expect(text.contains(path), "\(text)")
        let second = try directory.write("other.yaml", """
        sinks:
          edge: { type: edge, datastream_id: ds, buffer: { when_ful: block } }
        """)
        #expect(throws: ConfigurationError.self) { _ = try ConfigurationLoader(environment: [:]).load(path: second) }
    }
}
