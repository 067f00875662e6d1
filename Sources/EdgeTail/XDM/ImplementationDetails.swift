/// `implementationDetails` of every event: what collected it, so an analyst can tell
/// events sent from logs by edgetail from those of a browser SDK. The same for every
/// event, so it is written once and copied.
enum ImplementationDetails {
    static let name = "edgetail"
    /// Where the events were made: on the server, from its logs.
    static let environment = "server"

    /// `"implementationDetails":{"name":"edgetail","version":"…","environment":"server"}`.
    static func json(version: String = EdgeTailVersion.string) -> [UInt8] {
        var writer = JSONWriter(capacity: 96)
        writer.raw("\"implementationDetails\":{\"name\":")
        writer.string(name)
        writer.raw(",\"version\":")
        writer.string(version)
        writer.raw(",\"environment\":")
        writer.string(environment)
        writer.raw("}")
        return writer.bytes
    }
}
