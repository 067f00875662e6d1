/// Splits a stream of chunks into lines, carrying partial lines between chunks and
/// cutting lines longer than a limit without ever stalling.
///
/// A line's bytes are kept only up to `maxLineBytes`; the rest of an overlong line
/// is skipped until its newline, and the line is handed on marked with its length.
public struct LineFramer: Sendable {
    public let maxLineBytes: Int
    /// Bytes of the current unfinished line (at most `maxLineBytes`).
    private var pending: [UInt8] = []
    /// Source offset of the first byte of the unfinished line.
    private var pendingOffset: UInt64
    /// Length of the unfinished line so far, including skipped bytes.
    private var pendingLength = 0

    public init(maxLineBytes: Int, startOffset: UInt64) {
        self.maxLineBytes = maxLineBytes
        pendingOffset = startOffset
    }

    /// Offset where the unfinished line starts: the position to resume from.
    public var committedOffset: UInt64 { pendingOffset }

    /// Frames `chunk`, which continues the stream; returns the complete lines
    /// (their bytes in `bytes`) and the offset after the last complete line.
    public mutating func frame(_ chunk: UnsafeBufferPointer<UInt8>) -> (bytes: [UInt8], lines: [LineBatch.Line]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(pending.count + chunk.count)
        var lines: [LineBatch.Line] = []
        lines.reserveCapacity(chunk.count / 128 + 1)
        var index = 0
        let count = chunk.count
        while index < count {
            let newline = ByteSearch.firstIndex(of: 0x0A, in: chunk, from: index, to: chunk.count)
            let segmentEnd = newline ?? count
            let segmentLength = segmentEnd - index
            let room = maxLineBytes - pending.count
            let kept = min(room, segmentLength)
            if newline == nil {
                pending.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[index..<(index + kept)]))
                pendingLength += segmentLength
                break
            }
            let lineLength = pendingLength + segmentLength
            let start = bytes.count
            if !pending.isEmpty {
                bytes.append(contentsOf: pending)
                pending.removeAll(keepingCapacity: true)
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[index..<(index + kept)]))
            lines.append(LineBatch.Line(
                range: ByteRange(start, bytes.count), offset: pendingOffset,
                overlongLength: lineLength > maxLineBytes ? lineLength : nil))
            pendingOffset += UInt64(lineLength + 1)
            pendingLength = 0
            index = segmentEnd + 1
        }
        return (bytes, lines)
    }

    /// Forgets the unfinished line and restarts at `offset` (after truncation).
    public mutating func reset(to offset: UInt64) {
        pending.removeAll()
        pendingLength = 0
        pendingOffset = offset
    }
}
