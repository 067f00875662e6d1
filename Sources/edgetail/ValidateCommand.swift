import ArgumentParser
import EdgeTail
import Foundation

/// `edgetail validate`: lists every problem of a configuration without running it.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Checks a configuration and lists every problem; exit 0 only when valid.")

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        let configuration: EdgeTailConfiguration
        do {
            configuration = try options.load()
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let report = ConfigurationValidator.validate(configuration, mainFile: options.config)
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
