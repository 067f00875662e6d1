import Foundation

/// Checks a configuration as far as can be done without running it, and lists
/// every problem found: parsers, rules and templates, sink references and
/// completeness, the data directory, and files the globs name.
public enum ConfigurationValidator {
    public struct Report: Sendable {
        public var errors: [ConfigurationError] = []
        public var warnings: [String] = []
        public var isValid: Bool { errors.isEmpty }
    }

    /// Compiles every pipeline; throws all problems together.
    public static func plans(for configuration: EdgeTailConfiguration) throws(ConfigurationErrors) -> [PipelinePlan] {
        var plans: [PipelinePlan] = []
        var errors: [ConfigurationError] = []
        var names = Set<String>()
        for pipeline in configuration.pipelines {
            let file = configuration.origins["pipeline:" + pipeline.name] ?? "configuration"
            if pipeline.name == "sinks" {
                errors.append(ConfigurationError(file: file, keyPath: "pipelines", message: "pipeline name 'sinks' is reserved (the run summary lists the sinks under it); choose another name"))
            }
            if !names.insert(pipeline.name).inserted {
                errors.append(ConfigurationError(file: file, keyPath: "pipelines", message: "pipeline name '\(pipeline.name)' is used twice"))
            }
            if configuration.sinks[pipeline.sink] == nil {
                let known = configuration.sinks.keys.sorted().joined(separator: ", ")
                errors.append(ConfigurationError(file: file, keyPath: "pipeline '\(pipeline.name)': sink",
                                                 message: "unknown sink '\(pipeline.sink)'; defined sinks: \(known.isEmpty ? "none" : known)"))
            }
            do {
                plans.append(try PipelinePlan(pipeline, file: file))
            } catch {
                errors += error.errors
            }
        }
        if configuration.pipelines.isEmpty {
            errors.append(ConfigurationError(file: configuration.origins.values.first ?? "configuration", keyPath: "pipelines",
                                             message: "no pipelines defined (directly or through include)"))
        }
        if !errors.isEmpty { throw ConfigurationErrors(errors) }
        return plans
    }

    public static func validate(_ configuration: EdgeTailConfiguration, mainFile: String) -> Report {
        var report = Report()
        do {
            _ = try plans(for: configuration)
        } catch {
            report.errors += error.errors
        }
        let directory = configuration.dataDirectory
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            if !isDirectory.boolValue || !FileManager.default.isWritableFile(atPath: directory) {
                report.errors.append(ConfigurationError(file: mainFile, keyPath: "data_dir", message: "'\(directory)' is not a writable directory"))
            }
        } else {
            // It will be created: the nearest existing ancestor must be writable.
            var existing = (directory as NSString).deletingLastPathComponent
            while !existing.isEmpty && existing != "/" && !FileManager.default.fileExists(atPath: existing) {
                existing = (existing as NSString).deletingLastPathComponent
            }
            if existing.isEmpty { existing = "." }
            if !FileManager.default.isWritableFile(atPath: existing) {
                report.errors.append(ConfigurationError(file: mainFile, keyPath: "data_dir", message: "'\(directory)' does not exist and cannot be created in '\(existing)'"))
            }
        }
        for pattern in configuration.include where FileGlob.expand(ConfigurationLoader.resolve(pattern, against: (mainFile as NSString).deletingLastPathComponent)).isEmpty {
            report.warnings.append("\(mainFile): include: '\(pattern)' matches no file")
        }
        for pipeline in configuration.pipelines {
            for pattern in pipeline.source.include {
                let paths = FileGlob.expand(pattern)
                if paths.isEmpty {
                    report.warnings.append("pipeline '\(pipeline.name)': source.include: '\(pattern)' matches no file yet")
                }
                for path in paths where !FileManager.default.isReadableFile(atPath: path) {
                    report.errors.append(ConfigurationError(
                        file: configuration.origins["pipeline:" + pipeline.name] ?? mainFile, keyPath: "pipeline '\(pipeline.name)': source.include",
                        message: "'\(path)' is not readable by this user (for /var/log files, join the 'adm' group)"))
                }
            }
        }
        return report
    }
}
