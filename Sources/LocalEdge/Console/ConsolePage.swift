import Foundation

/// The console's HTML, rendered with the latest data so it is complete before (or
/// without) its script; the script then keeps it current by polling the JSON endpoints.
struct ConsolePage {
    struct Visitor {
        var identity: String
        var namespace: String?
        var events: [ConsoleEvent]
    }

    var summary: ConsoleRoutes.Summary
    var filter: EventFilter
    var events: [ConsoleEvent]
    var matching: Int
    var visitor: Visitor?
    var rejections: [RejectionGroup]
    var chart: [ChartMinute]

    var html: String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>edgetail collector console</title>
        <style>\(ConsoleAssets.css)</style>
        </head>
        <body>
        <header>
          <h1>edgetail collector <span>console</span></h1>
          <div class="dataset" title="dataset">\(htmlEscaped(summary.dataset))</div>
          <div class="live"><span id="live-dot"></span><span id="updated">server-rendered</span></div>
        </header>
        <main>
        \(cards)
        <section class="panel" id="chart-panel"><h2>Page views and link clicks per minute</h2><div id="chart">\(ChartSVG.render(chart))</div></section>
        <div class="columns">
        <div class="main-column">
        \(timelineSection)
        <section class="panel" id="events-panel">
          <h2>Events <span class="muted" id="matching">\(matching) matching</span></h2>
          \(filterForm)
          <table class="events"><thead><tr><th>time (event)</th><th>type</th><th>URL or link</th><th>identity</th><th>pipeline data</th></tr></thead>
          <tbody id="event-rows">\(events.map { Self.row($0, withIdentity: true) }.joined())</tbody></table>
          <p class="empty" id="events-empty"\(events.isEmpty ? "" : " hidden")>\(summary.keepsEvents ? "No event matches yet." : "Started without a dataset (--no-store or no --db): events are counted, not kept. Restart with --db PATH to see them here.")</p>
        </section>
        </div>
        <aside class="panel" id="rejections-panel">
          <h2>Rejected requests <span class="muted" id="rejected-total">\(summary.rejected)</span></h2>
          <div id="rejection-groups">\(rejectionGroups)</div>
        </aside>
        </div>
        </main>
        <script>\(ConsoleAssets.script)</script>
        </body>
        </html>
        """
    }

    private var cards: String {
        let stats = summary.stats
        let cards: [(String, String, Int)] = [
            ("count-events", "events stored", stats.eventsStored),
            ("count-pageviews", "page views", stats.eventTypes[ConsoleEvent.pageViewType] ?? 0),
            ("count-linkclicks", "link clicks", stats.eventTypes[ConsoleEvent.linkClickType] ?? 0),
            ("count-identities", "identities", stats.identities),
            ("count-duplicates", "duplicates", stats.duplicates),
            ("count-rejected", "rejected requests", summary.rejected),
        ]
        return #"<section class="cards">"# + cards.map { id, label, value in
            #"<div class="card"><div class="value" id="\#(id)">\#(value)</div><div class="label">\#(label)</div></div>"#
        }.joined() + "</section>"
    }

    private var filterForm: String {
        let types = [("", "any type"), ("pageView", "page views"), ("linkClick", "link clicks")]
        let options = types.map { value, label in
            #"<option value="\#(value)"\#(filter.type == value ? " selected" : "")>\#(label)</option>"#
        }.joined()
        return """
            <form id="filter" method="get" action="/">
            <input type="search" name="q" placeholder="text anywhere in the event" value="\(htmlEscaped(filter.text))">
            <select name="type">\(options)</select>
            <input type="search" name="identity" placeholder="identity (part of the id, or NS:id)" value="\(htmlEscaped(filter.identity))">
            <button type="submit">Search</button>
            </form>
            """
    }

    private var timelineSection: String {
        guard let visitor else {
            return #"<section class="panel" id="timeline-panel" hidden><h2 id="timeline-title"></h2><table class="events"><tbody id="timeline-rows"></tbody></table></section>"#
        }
        let namespace = visitor.namespace ?? visitor.events.first?.namespace ?? ""
        return """
            <section class="panel" id="timeline-panel" data-identity="\(htmlEscaped(visitor.identity))" data-namespace="\(htmlEscaped(visitor.namespace ?? ""))">
            <h2 id="timeline-title">\(Self.timelineTitle(namespace: namespace, identity: visitor.identity, count: visitor.events.count))</h2>
            <table class="events"><thead><tr><th>time (event)</th><th>type</th><th>URL or link</th><th>pipeline data</th></tr></thead>
            <tbody id="timeline-rows">\(visitor.events.map { Self.row($0, withIdentity: false) }.joined())</tbody></table>
            </section>
            """
    }

    static func timelineTitle(namespace: String, identity: String, count: Int) -> String {
        #"Visitor <span class="ns">\#(htmlEscaped(namespace))</span> <code>\#(htmlEscaped(identity))</code> <span class="muted">\#(count) event\#(count == 1 ? "" : "s") in time order</span> <a class="close" href="/">close</a>"#
    }

    private var rejectionGroups: String {
        guard !rejections.isEmpty else { return #"<p class="empty">No request refused.</p>"# }
        return rejections.enumerated().map { index, group in
            let code = group.code ?? "no code"
            let recent = group.recent.map { rejection in
                """
                <li><div class="detail">\(htmlEscaped(rejection.detail))</div>\
                <div class="meta">\(htmlEscaped(rejection.receivedAt)) · request \(htmlEscaped(rejection.requestID))</div>\
                <pre>\(htmlEscaped(Self.pretty(rejection.problem)))</pre></li>
                """
            }.joined()
            return """
                <details class="rejection" data-code="\(htmlEscaped(code))"\(index == 0 ? " open" : "")><summary><span class="total">\(group.total)×</span><span class="code s\(group.status / 100)xx">\(htmlEscaped(code))</span> \
                <span class="title">\(htmlEscaped(group.title))</span></summary>\
                <div class="meta">HTTP \(group.status), last at \(htmlEscaped(group.lastAt)); the latest \(group.recent.count) kept</div><ul>\(recent)</ul></details>
                """
        }.joined()
    }

    /// One event as a table row; the script builds the same markup.
    static func row(_ event: ConsoleEvent, withIdentity: Bool) -> String {
        let time = event.timestamp.replacingOccurrences(of: "T", with: " ").prefix(19)
        let kind = switch event.kind {
        case "pageView": "page view"
        case "linkClick": "link click"
        default: event.eventType ?? "no type"
        }
        var cells = #"<td class="time" title="received \#(htmlEscaped(event.receivedAt))">\#(htmlEscaped(String(time)))</td>"#
        cells += #"<td><span class="badge \#(event.kind)">\#(htmlEscaped(kind))</span>\#(event.linkType.map { #" <span class="muted">\#(htmlEscaped($0))</span>"# } ?? "")</td>"#
        cells += #"<td class="url"><div>\#(htmlEscaped(event.url ?? ""))</div>\#(shownName(event).map { #"<div class="muted">\#(htmlEscaped($0))</div>"# } ?? "")</td>"#
        if withIdentity {
            let href = "/?visitor=\(query(event.identity))&namespace=\(query(event.namespace))"
            cells += #"<td class="identity"><a class="visitor" href="\#(htmlEscaped(href))" data-identity="\#(htmlEscaped(event.identity))" data-namespace="\#(htmlEscaped(event.namespace))"><span class="ns">\#(htmlEscaped(event.namespace))</span> \#(htmlEscaped(event.identity))</a></td>"#
        }
        let pairs = (event.pipelineData ?? [:]).keys.sorted().flatMap { key in
            (event.pipelineData?[key]?.flattened(prefix: key == "data" ? "" : key) ?? [])
        }
        cells += #"<td class="data">\#(pairs.map { #"<span class="kv"><b>\#(htmlEscaped($0.0))</b> \#(htmlEscaped($0.1))</span>"# }.joined())</td>"#
        return #"<tr class="event \#(event.kind)" data-seq="\#(event.seq)">\#(cells)</tr>"#
    }

    /// The page or link name, unless it only repeats the URL's path (edgetail's default name).
    static func shownName(_ event: ConsoleEvent) -> String? {
        guard let name = event.name else { return nil }
        if let url = event.url, let components = URLComponents(string: url), components.path == name { return nil }
        return name
    }

    private static func query(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    static func pretty(_ json: String) -> String {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)) else { return json }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? json
    }
}
