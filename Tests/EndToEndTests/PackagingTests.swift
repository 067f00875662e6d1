import Foundation
import Testing
import EdgeTail

/// The Debian package as `packaging/build-deb.sh` makes it, from the debug binary
/// (the release build is `make deb`'s): contents, control fields, conffiles,
/// maintainer scripts and the unit. Installing it is `make deb-test`'s job.
@Suite(.serialized) struct PackagingTests {
    let directory: URL
    static let root = EdgeTailProcess.packageRoot

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("edgetail-deb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Runs a command to its end; its standard error goes to a file, so no pipe fills.
    func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(180)) async throws -> (status: Int32, output: String) {
        let errorPath = directory.appendingPathComponent("stderr-\(UUID().uuidString)").path
        let process = try BackgroundProcess(executable: executable, arguments: arguments, stderrPath: errorPath)
        try await process.waitForExit(timeout: timeout)
        return (process.process.terminationStatus, process.stderr)
    }

    /// A shell command's standard output and error; the test fails if it fails.
    func output(_ command: String) async throws -> String {
        let file = directory.appendingPathComponent("out-\(UUID().uuidString)").path
        let result = try await run("/bin/sh", ["-c", "\(command) > '\(file)' 2>&1"])
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        #expect(result.status == 0, "\(command): \(text)")
        return text
    }

    @Test func packageHoldsTheServiceConfigurationAndScripts() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = try #require(EdgeTailProcess.executable, "the edgetail executable is not built").path
        let script = Self.root.appendingPathComponent("packaging/build-deb.sh").path
        let built = try await output("'\(script)' --binary '\(binary)' --output '\(directory.path)' --fast")
        let arch = try await output("dpkg --print-architecture").trimmingCharacters(in: .whitespacesAndNewlines)
        let deb = directory.appendingPathComponent("edgetail_\(EdgeTailVersion.string)_\(arch).deb").path
        #expect(built.contains(deb))

        let contents = try await output("dpkg-deb -c '\(deb)'")
        for path in [
            "./usr/bin/edgetail", "./usr/lib/systemd/system/edgetail.service", "./etc/edgetail/edgetail.yaml",
            "./etc/edgetail/pipelines.d/nginx.yaml", "./etc/default/edgetail", "./usr/share/doc/edgetail/copyright",
            "./usr/share/doc/edgetail/changelog.gz", "./usr/share/doc/edgetail/pipelines/nginx-combined.yaml",
            "./usr/share/doc/edgetail/pipelines/iis-w3c.yaml", "./usr/share/man/man1/edgetail.1.gz",
        ] {
            #expect(contents.contains(" \(path)\n"), "missing \(path) in:\n\(contents)")
        }
        #expect(contents.contains("-rwxr-xr-x root/root"), "files belong to root")
        #expect(!contents.contains("/var/lib/edgetail"), "the state directory is systemd's to make")

        let info = try await output("dpkg-deb -I '\(deb)'")
        #expect(info.contains(" Package: edgetail\n"))
        #expect(info.contains(" Version: \(EdgeTailVersion.string)\n"))
        let depends = try #require(info.split(separator: "\n").first { $0.hasPrefix(" Depends: ") })
        for package in ["adduser", "ca-certificates", "libc6", "libsystemd0", "libpcre2-8-0", "libsqlite3-0"] {
            #expect(depends.contains(package), "\(depends)")
        }
        #expect(!depends.contains("swift"), "the Swift runtime is not a package dependency")

        let control = directory.appendingPathComponent("control").path
        _ = try await output("dpkg-deb -e '\(deb)' '\(control)'")
        let conffiles = try String(contentsOfFile: control + "/conffiles", encoding: .utf8)
        #expect(conffiles == "/etc/edgetail/edgetail.yaml\n/etc/edgetail/pipelines.d/nginx.yaml\n/etc/default/edgetail\n")
        for name in ["postinst", "prerm", "postrm"] {
            _ = try await output("sh -n '\(control)/\(name)'")
            let mode = try FileManager.default.attributesOfItem(atPath: control + "/" + name)[.posixPermissions] as? Int
            #expect(mode == 0o755, "\(name) is executable")
        }
        let postinst = try String(contentsOfFile: control + "/postinst", encoding: .utf8)
        #expect(postinst.contains("adduser --system --group --home /var/lib/edgetail"))
        #expect(postinst.contains("for group in adm systemd-journal"))
        // A salt is made once and never overwritten: a new one would make every visitor new.
        #expect(postinst.contains("if [ ! -e /etc/edgetail/salt ]; then"))
        let postrm = try String(contentsOfFile: control + "/postrm", encoding: .utf8)
        #expect(postrm.contains(#"if [ "$1" = "purge" ]; then"#))
        #expect(postrm.contains("rm -rf /var/lib/edgetail"))

        // The shipped configuration validates with the packaged binary's rules.
        let extracted = directory.appendingPathComponent("root").path
        _ = try await output("dpkg-deb -x '\(deb)' '\(extracted)'")
        // The bundled pipeline reads the salt postinst makes, as the service's credential.
        let credentials = directory.appendingPathComponent("credentials")
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        try "0123456789abcdef".write(to: credentials.appendingPathComponent("salt"), atomically: true, encoding: .utf8)
        let configuration = try ConfigurationLoader(environment: ["CREDENTIALS_DIRECTORY": credentials.path])
            .load(path: extracted + "/etc/edgetail/edgetail.yaml")
        #expect(configuration.pipelines.first?.identity.last?.salt == "0123456789abcdef")
        #expect(configuration.api == APIConfiguration(host: "127.0.0.1", port: 9880, healthMaxEventAge: 300))
        #expect(configuration.pipelines.map(\.name) == ["nginx"])
        #expect(try ConfigurationValidator.plans(for: configuration).count == 1)

        // The unit, checked where systemd-analyze is at hand (its binary path is the package's).
        let unit = try String(contentsOfFile: extracted + "/usr/lib/systemd/system/edgetail.service", encoding: .utf8)
        for line in [
            "User=edgetail", "StateDirectory=edgetail", "ExecStartPre=/usr/bin/edgetail validate -c /etc/edgetail/edgetail.yaml",
            #"ExecReload=/bin/sh -c 'kill -HUP "$MAINPID"'"#, "Restart=on-failure", "NoNewPrivileges=yes", "ProtectSystem=strict",
            "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes", "CapabilityBoundingSet=\n",
            "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "UMask=0077", "LoadCredential=client_secret:", "LoadCredential=salt:/etc/edgetail/salt",
        ] {
            #expect(unit.contains(line), "the unit lacks \(line)")
        }
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") {
            let local = directory.appendingPathComponent("edgetail.service").path
            try unit.replacingOccurrences(of: "/usr/bin/edgetail", with: extracted + "/usr/bin/edgetail")
                .write(toFile: local, atomically: true, encoding: .utf8)
            let verify = try await run("/usr/bin/systemd-analyze", ["verify", "--man=no", local])
            let problems = verify.output.split(separator: "\n").filter { !$0.contains("sysinit.target") }
            #expect(problems.isEmpty, "systemd-analyze verify: \(verify.output)")
        }
    }
}
