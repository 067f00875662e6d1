import Foundation
import Testing
@testable import EdgeTail

/// The `edge` sink's keys: defaults that follow Adobe's documentation, and
/// configurations that cannot work refused with the file, the key and the fix.
@Suite struct EdgeSinkConfigurationTests {
    func load(sink: String) throws -> EdgeTailConfiguration {
        let directory = try TemporaryDirectory()
        let text = """
        sinks:
          edge:
        \(sink.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        pipelines:
          - name: web
            source: { type: file, include: ["/var/log/nginx/access.log"] }
            parser: { format: combined }
            events: [{ type: pageView }]
            identity: [{ namespace: FPID, derive: [client_ip], salt: s }]
            sink: edge
        """
        return try ConfigurationLoader(environment: [:]).load(path: try directory.write("edgetail.yaml", text))
    }

    func loadError(sink: String) -> ConfigurationError? {
        do {
            _ = try load(sink: sink)
            return nil
        } catch {
            return error as? ConfigurationError
        }
    }

    @Test func theAuthenticatedHostWithoutCredentialsIsRefused() throws {
        for sink in ["type: edge\ndatastream_id: ds",
                     "type: edge\nendpoint: https://server.adobedc.net\ndatastream_id: ds\nauth: { type: none }",
                     "type: edge\nendpoint: https://server.adobedc.net/\ndatastream_id: ds"] {
            let error = try #require(loadError(sink: sink), "\(sink)")
            #expect(error.keyPath.hasSuffix("auth"), "\(error)")
            #expect(error.message.contains("token or ims") && error.message.contains("edge.adobedc.net"), "\(error.message)")
            #expect(error.file.hasSuffix("edgetail.yaml"))
        }
        // The unauthenticated host, and the authenticated one with credentials, are fine.
        _ = try load(sink: "type: edge\nendpoint: https://edge.adobedc.net\ndatastream_id: ds")
        _ = try load(sink: "type: edge\ndatastream_id: ds\nauth: { type: token, token: t, api_key: k, org_id: O@AdobeOrg }")
    }

    @Test func anEndpointThatIsNotAnHTTPURLWithAHostIsRefusedWhenRead() throws {
        for url in ["server.adobedc.net", "ftp://server.adobedc.net", "https://", "http://:8080"] {
            let error = try #require(loadError(sink: "type: edge\nendpoint: \"\(url)\"\ndatastream_id: ds"), "\(url)")
            #expect(error.keyPath.hasSuffix("endpoint"), "\(error)")
            #expect(error.message.contains("http(s) URL with a host"), "\(error.message)")
        }
        _ = try load(sink: "type: edge\nendpoint: http://[::1]:8080\ndatastream_id: ds")
    }

    @Test func anIMSTokenURLThatIsNotHTTPIsRefusedWhenRead() throws {
        let ims = "auth: { type: ims, client_id: c, client_secret: s, org_id: O@AdobeOrg, token_url: %@ }"
        for url in ["ims-na1.adobelogin.com/ims/token/v3", "ftp://ims.example/token", "https:///token"] {
            let sink = "type: edge\ndatastream_id: ds\n" + ims.replacingOccurrences(of: "%@", with: url)
            let error = try #require(loadError(sink: sink), "\(url)")
            #expect(error.keyPath.hasSuffix("token_url"), "\(error)")
            #expect(error.message.contains("http(s) URL"), "\(error.message)")
            #expect(error.file.hasSuffix("edgetail.yaml"))
        }
        let fine = try load(sink: "type: edge\ndatastream_id: ds\n" + ims.replacingOccurrences(of: "%@", with: "http://127.0.0.1:8080/ims/token/v3"))
        #expect(fine.sinks["edge"]?.edge?.auth.tokenURL == "http://127.0.0.1:8080/ims/token/v3")
    }

    @Test func defaultsFollowTheContract() throws {
        let configuration = try load(sink: "type: edge\nendpoint: https://edge.adobedc.net\ndatastream_id: ds")
        let edge = try #require(configuration.sinks["edge"]?.edge)
        // silent=true would hide Adobe's warnings (events ignored for lack of consent).
        #expect(edge.silent == false)
        #expect(edge.upstreams == 1)
        #expect(edge.maxBytes <= 65_536)
        let counted = try load(sink: "type: edge\nendpoint: https://edge.adobedc.net\ndatastream_id: ds\nupstreams: 3\nmax_request_units_per_second: 600")
        #expect(counted.sinks["edge"]?.edge?.upstreams == 3)
        let zero = try #require(loadError(sink: "type: edge\nendpoint: https://edge.adobedc.net\ndatastream_id: ds\nupstreams: 0"))
        #expect(zero.keyPath.hasSuffix("upstreams"))
    }

    @Test func requestUnitsCountEveryUpstream() {
        #expect(RequestUnitLimiter.units(forBodyBytes: 100) == 1)
        #expect(RequestUnitLimiter.units(forBodyBytes: 8192) == 1)
        #expect(RequestUnitLimiter.units(forBodyBytes: 8193) == 2)
        #expect(RequestUnitLimiter.units(forBodyBytes: 60_000, upstreams: 3) == 8 * 3)
    }

    @Test func aPipelineMayNotTakeTheSummarysSinksName() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("edgetail.yaml", """
        sinks: { out: { type: console } }
        pipelines:
          - name: sinks
            source: { type: file, include: ["/var/log/a.log"] }
            parser: { format: combined }
            events: [{ type: pageView }]
            identity: [{ namespace: FPID, derive: [client_ip], salt: s }]
            sink: out
        """)
        let configuration = try ConfigurationLoader(environment: [:]).load(path: path)
        #expect(throws: ConfigurationErrors.self) { try ConfigurationValidator.plans(for: configuration) }
    }
}
