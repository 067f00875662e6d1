/// Page views and link clicks per minute as an SVG bar chart, drawn on the server so
/// the page shows it without script and the script only swaps in a fresh copy.
enum ChartSVG {
    static let width = 1200.0
    static let height = 200.0
    private static let left = 44.0
    private static let right = 12.0
    private static let top = 26.0
    private static let bottom = 24.0

    static func render(_ minutes: [ChartMinute]) -> String {
        var svg = #"<svg xmlns="http://www.w3.org/2000/svg" id="chart-svg" viewBox="0 0 \#(Int(width)) \#(Int(height))" role="img" aria-label="page views and link clicks per minute">"#
        svg += #"<g class="legend" font-size="12"><rect x="\#(left)" y="6" width="10" height="10" class="pv"/><text x="\#(left + 14)" y="15">page views</text>"#
        svg += #"<rect x="\#(left + 100)" y="6" width="10" height="10" class="lc"/><text x="\#(left + 114)" y="15">link clicks</text>"#
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        guard !minutes.isEmpty else {
            svg += "</g>"
            svg += #"<text x="\#(width / 2)" y="\#(top + plotHeight / 2)" text-anchor="middle" class="empty">no events yet</text></svg>"#
            return svg
        }
        let first = minutes[0].minute, last = minutes[minutes.count - 1].minute
        svg += #"<text x="\#(width - right)" y="15" text-anchor="end">per minute of event time (UTC), \#(htmlEscaped(first.replacingOccurrences(of: "T", with: " "))) – \#(htmlEscaped(String(last.suffix(5))))</text></g>"#
        let peak = max(1, minutes.map { $0.pageViews + $0.linkClicks }.max() ?? 1)
        let scale = plotHeight / Double(peak)
        let slot = plotWidth / Double(minutes.count)
        let barWidth = max(1, slot * 0.8)
        // Grid: the peak and half of it.
        for value in Set([peak, peak / 2]).sorted() where value > 0 {
            let y = top + plotHeight - Double(value) * scale
            svg += #"<line x1="\#(left)" x2="\#(width - right)" y1="\#(fmt(y))" y2="\#(fmt(y))" class="grid"/>"#
            svg += #"<text x="\#(left - 6)" y="\#(fmt(y + 4))" text-anchor="end" class="axis">\#(value)</text>"#
        }
        svg += #"<line x1="\#(left)" x2="\#(width - right)" y1="\#(top + plotHeight)" y2="\#(top + plotHeight)" class="base"/>"#
        let labelEvery = max(1, Int((Double(minutes.count) / 10).rounded(.up)))
        for (index, minute) in minutes.enumerated() {
            let x = left + Double(index) * slot + (slot - barWidth) / 2
            let pageHeight = Double(minute.pageViews) * scale
            let linkHeight = Double(minute.linkClicks) * scale
            let baseline = top + plotHeight
            let label = "\(minute.minute.replacingOccurrences(of: "T", with: " ")): \(minute.pageViews) page views, \(minute.linkClicks) link clicks"
            svg += #"<g><title>\#(htmlEscaped(label))</title>"#
            if minute.pageViews > 0 {
                svg += #"<rect class="pv" x="\#(fmt(x))" y="\#(fmt(baseline - pageHeight))" width="\#(fmt(barWidth))" height="\#(fmt(pageHeight))"/>"#
            }
            if minute.linkClicks > 0 {
                svg += #"<rect class="lc" x="\#(fmt(x))" y="\#(fmt(baseline - pageHeight - linkHeight))" width="\#(fmt(barWidth))" height="\#(fmt(linkHeight))"/>"#
            }
            svg += "</g>"
            if index % labelEvery == 0 {
                svg += #"<text x="\#(fmt(x + barWidth / 2))" y="\#(height - 6)" text-anchor="middle" class="axis">\#(htmlEscaped(String(minute.minute.suffix(5))))</text>"#
            }
        }
        svg += "</svg>"
        return svg
    }

    private static func fmt(_ value: Double) -> String {
        String((value * 10).rounded() / 10)
    }
}

/// Text made safe for HTML and SVG content and attribute values.
func htmlEscaped(_ text: String) -> String {
    var escaped = ""
    escaped.reserveCapacity(text.count)
    for character in text {
        switch character {
        case "&": escaped += "&amp;"
        case "<": escaped += "&lt;"
        case ">": escaped += "&gt;"
        case "\"": escaped += "&quot;"
        case "'": escaped += "&#39;"
        default: escaped.append(character)
        }
    }
    return escaped
}
