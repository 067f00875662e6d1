import Foundation
import Testing
@testable import EdgeTail

@Suite struct FieldResolutionTests {
    let fpid = "3F2504E0-4F89-41D3-9A0C-0305E82C3301"
    let browser = realBrowserAgents[2]

    func fpidOf(_ line: String, plan: PipelinePlan) throws -> String? {
        let (outcome, event) = try mapLine(line, plan: plan)
        #expect(outcome == .pageView)
        let entry = ((event?["xdm"] as? [String: Any])?.value(at: "identityMap.FPID") as? [[String: Any]])?.first
        return entry?["id"] as? String
    }

    let cookieIdentity = [#"{ namespace: FPID, field: "cookie.FPID" }"#, "{ namespace: FPID, derive: [client_ip], salt: x }"]

    @Test func nginxCookieVariableKeepsItsCase() throws {
        let format = #"nginx, log_format: '$remote_addr [$time_local] "$request" $status "$http_user_agent" "$cookie_FPID"'"#
        let plan = try makePlan(identity: cookieIdentity, extra: #"    data: { raw: "{var.cookie_FPID}" }"#, format: format)
        let line = #"192.0.2.1 [10/Oct/2024:13:55:36 +0000] "GET /a HTTP/1.1" 200 "\#(browser)" "\#(fpid)""#
        #expect(try fpidOf(line, plan: plan) == fpid)
        let (_, event) = try mapLine(line, plan: plan)
        #expect((event?["data"] as? [String: Any])?["raw"] as? String == fpid)
    }

    @Test func apacheCookieDirectiveIsACookie() throws {
        let format = #"apache, log_format: '%h %t \"%r\" %>s \"%{User-Agent}i\" %{FPID}C'"#
        let plan = try makePlan(identity: cookieIdentity, format: format)
        #expect(try fpidOf(#"192.0.2.1 [10/Oct/2024:13:55:36 +0000] "GET /a HTTP/1.1" 200 "\#(browser)" \#(fpid)"#, plan: plan) == fpid)
    }

    @Test func namedFieldsCalledCookieNameAreCookies() throws {
        let json = try makePlan(identity: cookieIdentity, format: "json")
        let jsonLine = #"{"time_iso8601":"2024-10-10T13:55:36+00:00","remote_addr":"192.0.2.1","request_uri":"/a","request_method":"GET","status":"200","http_user_agent":"\#(browser)","cookie_FPID":"\#(fpid)"}"#
        #expect(try fpidOf(jsonLine, plan: json) == fpid)
        let logfmt = try makePlan(identity: cookieIdentity, format: "logfmt, fields: { client: ip, path: url }, time_format: iso8601")
        let logfmtLine = #"time=2024-10-10T13:55:36Z ip=192.0.2.1 method=GET url=/a status=200 user_agent="\#(browser)" cookie_FPID=\#(fpid)"#
        #expect(try fpidOf(logfmtLine, plan: logfmt) == fpid)
    }

    func errors(identity: [String]? = nil, extra: String = "", format: String) -> [String] {
        do {
            _ = try makePlan(identity: identity ?? ["{ namespace: FPID, derive: [client_ip], salt: x }"], extra: extra, format: format)
            return []
        } catch let errors as ConfigurationErrors {
            return errors.errors.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    @Test func validateRejectsFieldsTheFormatCannotYield() {
        let nginx = #"nginx, log_format: '$remote_addr [$time_local] "$request" $status "$http_user_agent" "$cookie_FPID" $request_time'"#
        let wrongCase = errors(extra: #"    data: { raw: "{var.cookie_fpid}" }"#, format: nginx)
        #expect(wrongCase.count == 1)
        #expect(wrongCase.first?.contains("data.raw") == true)
        #expect(wrongCase.first?.contains("did you mean 'var.cookie_FPID'?") == true)

        let typo = errors(extra: #"    data: { t: "{var.request_tme}" }"#, format: nginx)
        #expect(typo.first?.contains("did you mean 'var.request_time'?") == true)

        let cookie = errors(identity: [#"{ namespace: FPID, field: "cookie.FPD" }"#], format: nginx)
        #expect(cookie.first?.contains("did you mean 'cookie.FPID'?") == true)
        #expect(cookie.first?.contains("identity[0].field") == true)

        let extra = errors(identity: ["{ namespace: FPID, derive: [client_ip, extra.2], salt: x }"], format: nginx)
        #expect(extra.first?.contains("has no extra fields") == true)

        let columns = errors(extra: #"    data: { t: "{var.time_taken}" }"#, format: "w3c")
        #expect(columns.first?.contains("did you mean 'var.time-taken'?") == true)

        // What the formats do yield passes.
        #expect(errors(identity: [#"{ namespace: FPID, field: "cookie.FPID" }"#], extra: #"    data: { t: "{var.request_time}", c: "{var.cookie_FPID}" }"#, format: nginx).isEmpty)
        #expect(errors(identity: [#"{ namespace: FPID, field: "cookie.FPID" }"#, "{ namespace: FPID, derive: [extra.2], salt: x }"], format: "combined").isEmpty)
        #expect(errors(extra: #"    data: { any: "{var.whatever}" }"#, format: "json").isEmpty)
    }

    @Test func validateReportsTheSuggestionWithFileAndKey() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("edgetail.yaml", """
        data_dir: \(directory.path)/data
        sinks: { out: { type: console } }
        pipelines:
          - name: web
            source: { type: file, include: ["\(directory.path)/*.log"] }
            parser: { format: nginx, log_format: '$remote_addr [$time_local] "$request" $status "$http_user_agent" "$cookie_FPID"' }
            site: { base_url: "https://www.example.com" }
            events: [{ type: pageView, when: { method: [GET] } }]
            identity: [{ namespace: FPID, field: "cookie.FPID" }]
            data: { id: "{var.cookie_fpid}" }
            sink: out
        """)
        let configuration = try ConfigurationLoader(environment: [:]).load(path: path)
        let report = ConfigurationValidator.validate(configuration, mainFile: path)
        #expect(!report.isValid)
        let text = report.errors.map(\.description)
        #expect(text.count == 1)
        #expect(text.first?.contains(path) == true)
        #expect(text.first?.contains("pipeline 'web': data.id") == true)
        #expect(text.first?.contains("did you mean 'var.cookie_FPID'?") == true)
    }

    @Test func editDistanceAndClosestName() {
        #expect(FieldAvailability.editDistance(Array("kitten".utf8), Array("sitting".utf8)) == 3)
        #expect(FieldAvailability.editDistance([], Array("abc".utf8)) == 3)
        #expect(FieldAvailability.closest(to: "upstream_adr", among: ["upstream_addr", "request_time"]) == "upstream_addr")
        #expect(FieldAvailability.closest(to: "zzzzzz", among: ["upstream_addr", "request_time"]) == nil)
    }
}
