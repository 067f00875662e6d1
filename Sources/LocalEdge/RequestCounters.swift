/// Collect answers by status, kept in memory for `GET /stats`.
actor RequestCounters {
    private var byStatus: [String: Int] = [:]

    func record(status: Int) {
        byStatus[String(status), default: 0] += 1
    }

    var snapshot: [String: Int] { byStatus }
}
