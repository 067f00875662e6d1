import Foundation

/// A size in bytes, written as a number (`1048576`) or with a unit as operators
/// write it (`16MiB`, `1GiB`, `512KB`); KB/MB/GB are decimal, KiB/MiB/GiB binary.
public struct ByteCount: Decodable, Sendable, Equatable {
    public var bytes: Int

    public init(_ bytes: Int) { self.bytes = bytes }

    static let units: [(suffix: String, factor: Int)] = [
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000),
        ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("B", 1),
    ]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int.self) {
            bytes = number
            return
        }
        let text = try container.decode(String.self).trimmingCharacters(in: .whitespaces)
        for (suffix, factor) in Self.units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            if let value = Double(number), value >= 0, value * Double(factor) < Double(Int.max) {
                bytes = Int(value * Double(factor))
                return
            }
        }
        throw DecodingError.dataCorrupted(.init(
            codingPath: decoder.codingPath,
            debugDescription: "unknown size '\(text)'; expected a number of bytes or a size such as 64KiB, 16MiB, 1GiB"))
    }
}

/// A duration in seconds, written as a number (`1.5`) or with a unit (`500ms`, `1s`, `5m`, `1h`, `7d`).
public struct Seconds: Decodable, Sendable, Equatable {
    public var value: Double

    public init(_ value: Double) { self.value = value }

    public var duration: Duration { .milliseconds(Int64((value * 1000).rounded())) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            value = number
            return
        }
        let text = try container.decode(String.self).trimmingCharacters(in: .whitespaces)
        for (suffix, factor) in [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)] where text.hasSuffix(suffix) {
            if let number = Double(text.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), number >= 0 {
                value = number * factor
                return
            }
        }
        throw DecodingError.dataCorrupted(.init(
            codingPath: decoder.codingPath,
            debugDescription: "unknown duration '\(text)'; expected seconds or a duration such as 500ms, 1s, 5m"))
    }
}
