/// A text with `{field}` placeholders, compiled once: `"{status}"`, `"search: {query.q}"`.
public struct FieldTemplate: Sendable {
    enum Part: Sendable {
        case literal([UInt8])
        case field(FieldReference)
    }

    let parts: [Part]

    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init(_ text: String) throws(SyntaxError) {
        var parts: [Part] = []
        var literal: [UInt8] = []
        var remainder = Substring(text)
        while let open = remainder.firstIndex(of: "{") {
            literal += Array(remainder[..<open].utf8)
            guard let close = remainder[open...].firstIndex(of: "}") else {
                throw SyntaxError(description: "unclosed '{' in template '\(text)'")
            }
            let name = String(remainder[remainder.index(after: open)..<close])
            do {
                let field = try FieldReference(parsing: name)
                if !literal.isEmpty { parts.append(.literal(literal)); literal = [] }
                parts.append(.field(field))
            } catch {
                throw SyntaxError(description: "in template '\(text)': \(error)")
            }
            remainder = remainder[remainder.index(after: close)...]
        }
        literal += Array(remainder.utf8)
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
    }

    /// Appends the rendered text; false (and nothing appended) when the template
    /// has fields and none of them has a value on this line.
    public func render(_ extractor: FieldExtractor, _ buffer: UnsafeBufferPointer<UInt8>, _ record: AccessLogRecord, into out: inout [UInt8]) -> Bool {
        let start = out.count
        var anyField = false
        var anyValue = false
        for part in parts {
            switch part {
            case .literal(let bytes):
                out.append(contentsOf: bytes)
            case .field(let field):
                anyField = true
                if extractor.append(field, buffer, record, to: &out) { anyValue = true }
            }
        }
        if anyField && !anyValue {
            out.removeSubrange(start...)
            return false
        }
        return true
    }
}
