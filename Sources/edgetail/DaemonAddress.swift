import ArgumentParser
import EdgeTail

/// Where `edgetail top` and `edgetail tap` find the running daemon: `--address`,
/// else the configuration's `api.listen`.
struct DaemonAddress: ParsableArguments {
    @OptionGroup var options: ConfigurationOptions

    @Option(help: "The daemon's api address, HOST:PORT (default: api.listen of the configuration).")
    var address: String?

    func client() throws -> APIClient {
        if let address {
            guard let client = APIClient(address: address) else {
                throw CommandFailure(message: "--address: expected HOST:PORT (e.g. 127.0.0.1:9880), got '\(address)'")
            }
            return client
        }
        let configuration = try options.load()
        guard let api = configuration.api else {
            throw CommandFailure(message: "\(options.config): no 'api' section, so the daemon serves nothing to read; "
                                 + "add api: { listen: \"127.0.0.1:9880\" } and restart it")
        }
        guard api.port != 0 else {
            throw CommandFailure(message: "\(options.config): api.listen has port 0 (any free port); "
                                 + "give --address HOST:PORT from the daemon's 'api listening' log line")
        }
        return APIClient(host: api.host, port: api.port)
    }
}
