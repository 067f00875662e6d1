import ArgumentParser

/// `edgetail collector`: the local stand-in of `/ee/v2/collect`.
struct CollectorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collector",
        abstract: "Runs a local stand-in of the Edge Network collection endpoint."
    )
    func run() async throws {
        throw ValidationError("not built yet")
    }
}
