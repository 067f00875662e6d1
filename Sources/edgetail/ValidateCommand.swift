import ArgumentParser
import EdgeTail
import Foundation

/// `edgetail validate`: lists every problem of a configuration without running it.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Checks a configuration and lists every problem; exit 0 only when valid.")

    @OptionGroup var options: ConfigurationOptions

    @Option(help: ArgumentHelp("For a pipelines.d fragment (pipelines only, no sink): the main file whose sinks it sends to.",
                               discussion: "Default: /etc/edgetail/edgetail.yaml when it exists."))
    var main: String?

    static let defaultMain = "/etc/edgetail/edgetail.yaml"

    func run() async throws {
        let configuration: EdgeTailConfiguration
        var mainFile = options.config
        do {
            let loader = ConfigurationLoader()
            if try loader.isFragment(path: options.config) {
                guard let main = main ?? (FileManager.default.fileExists(atPath: Self.defaultMain) ? Self.defaultMain : nil) else {
                    throw CommandFailure(message: "\(options.config) is a pipelines.d fragment (pipelines, no sink): "
                        + "give the main file whose sinks it uses with --main FILE (default \(Self.defaultMain), not found)")
                }
                FileHandle.standardError.write(Data("\(options.config) is a pipelines.d fragment: checked with the sinks of \(main)\n".utf8))
                configuration = try loader.load(fragment: options.config, into: loader.load(path: main))
                mainFile = main
            } else {
                configuration = try options.load()
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let report = ConfigurationValidator.validate(configuration, mainFile: mainFile)
        for warning in report.warnings {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        for error in report.errors {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        }
        guard report.isValid else {
            FileHandle.standardError.write(Data("\(options.config): \(report.errors.count) problem(s)\n".utf8))
            throw ExitCode(1)
        }
        Swift.print("\(options.config): valid (\(configuration.pipelines.count) pipeline(s), \(configuration.sinks.count) sink(s))")
    }
}
