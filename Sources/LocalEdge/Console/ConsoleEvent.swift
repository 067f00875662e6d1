import Foundation

/// One stored event as the console shows it: the dataset's columns and what a
/// pipeline's author looks for in the body (URL, link, pipeline data).
struct ConsoleEvent: Codable, Sendable, Equatable {
    /// The dataset's `seq`: arrival order, and the `after` cursor of `/console/api/events`.
    var seq: Int64
    var id: String
    /// `pageView`, `linkClick`, or `other`.
    var kind: String
    var eventType: String?
    var timestamp: String
    var receivedAt: String
    var namespace: String
    var identity: String
    var datastreamID: String
    /// The page URL of a page view, the link URL of a link click.
    var url: String?
    /// The page or link name.
    var name: String?
    /// A link click's `webInteraction.type` (`exit`, `download`, `other`).
    var linkType: String?
    /// What the pipeline added besides standard XDM: the event's `data` object and any
    /// `xdm._<tenant>` object, under those keys; `nil` when there is neither.
    var pipelineData: [String: JSONValue]?

    enum CodingKeys: String, CodingKey {
        case seq, id, kind, eventType, timestamp, receivedAt, namespace, identity
        case datastreamID = "datastreamId"
        case url, name, linkType, pipelineData
    }

    static let pageViewType = "web.webpagedetails.pageViews"
    static let linkClickType = "web.webinteraction.linkClicks"

    /// The `eventType` a console `type` filter names: `pageView`, `linkClick` or a raw XDM type.
    static func eventType(forFilter filter: String) -> String {
        switch filter {
        case "pageView": pageViewType
        case "linkClick": linkClickType
        default: filter
        }
    }

    init(
        seq: Int64, id: String, eventType: String?, timestamp: String, receivedAt: String,
        namespace: String, identity: String, datastreamID: String, body: String
    ) {
        self.seq = seq
        self.id = id
        self.eventType = eventType
        self.timestamp = timestamp
        self.receivedAt = receivedAt
        self.namespace = namespace
        self.identity = identity
        self.datastreamID = datastreamID
        switch eventType {
        case Self.pageViewType: kind = "pageView"
        case Self.linkClickType: kind = "linkClick"
        default: kind = "other"
        }
        let event = try? JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))
        let xdm = event?["xdm"]
        if let page = xdm?["web"]?["webPageDetails"], kind != "linkClick" {
            url = page["URL"]?.string
            name = page["name"]?.string
        }
        if let link = xdm?["web"]?["webInteraction"], kind != "pageView" {
            url = link["URL"]?.string
            name = link["name"]?.string
            linkType = link["type"]?.string
        }
        var extra: [String: JSONValue] = [:]
        if let data = event?["data"] { extra["data"] = data }
        if case .object(let members)? = xdm {
            for (key, value) in members where key.hasPrefix("_") && key != "_id" {
                extra[key] = value
            }
        }
        pipelineData = extra.isEmpty ? nil : extra
    }
}
