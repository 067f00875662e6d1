import Crypto
import Foundation

/// A digest of a configuration value, to tell on reload whether a pipeline or a sink
/// changed. It walks the value itself (so it needs no `Equatable` on every type),
/// orders dictionary and set entries, and includes the content of secrets and secret
/// files, so a rotated credential restarts its sink. Only the digest is kept.
enum ConfigurationFingerprint {
    static func of(_ values: Any...) -> String {
        var text = ""
        for value in values { describe(value, into: &text) }
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func describe(_ value: Any, into text: inout String) {
        if let secret = value as? Secret {
            let revealed = (try? secret.reveal()) ?? secret.description
            text += "secret(" + SHA256.hash(data: Data(revealed.utf8)).map { String(format: "%02x", $0) }.joined() + ")"
            return
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            if let child = mirror.children.first { describe(child.value, into: &text) } else { text += "nil" }
        case .dictionary, .set:
            let entries = mirror.children.map { child -> String in
                var entry = ""
                describe(child.value, into: &entry)
                return entry
            }
            text += "{" + entries.sorted().joined(separator: ",") + "}"
        case .enum:
            text += "\(type(of: value))." + (mirror.children.isEmpty ? "\(value)" : "")
            describeChildren(mirror, into: &text)
        case .struct, .class, .tuple, .collection:
            text += "\(type(of: value))"
            describeChildren(mirror, into: &text)
        default:
            text += "\(type(of: value)):\(String(reflecting: value))"
        }
    }

    private static func describeChildren(_ mirror: Mirror, into text: inout String) {
        text += "("
        for child in mirror.children {
            text += (child.label ?? "_") + ":"
            describe(child.value, into: &text)
            text += ";"
        }
        text += ")"
    }
}
