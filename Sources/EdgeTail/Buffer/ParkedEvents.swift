import Synchronization

/// Where the acknowledgement of an event waiting in memory goes once the event has
/// been parked on disk (written there during an outage, so its source could be
/// acknowledged and checkpointed): to the parking segment instead of the source.
///
/// A lane worker settles every event through `settle`, so an event delivered while
/// it was being parked is never acknowledged twice to its source.
final class ParkedEvents: Sendable {
    private enum Entry {
        /// Being written to disk.
        case candidate
        /// On disk: delivery releases the parking segment.
        case parked(Acknowledgement)
    }

    private let entries = Mutex<[UInt64: Entry]>([:])

    init() {}

    /// Events about to be written to a parking segment.
    func propose(_ serials: [UInt64]) {
        entries.withLock { entries in
            for serial in serials where entries[serial] == nil { entries[serial] = .candidate }
        }
    }

    /// The parking segment is durable: events still waiting now acknowledge it when
    /// settled; returns the source acknowledgements to tell (once) and how many of
    /// the proposed events were settled meanwhile.
    func commit(_ events: [PendingEvent], to segment: Acknowledgement) -> (sources: [Acknowledgement], settledMeanwhile: Int) {
        entries.withLock { entries in
            var sources: [Acknowledgement] = []
            var settled = 0
            for event in events {
                if case .candidate = entries[event.serial] {
                    entries[event.serial] = .parked(segment)
                    sources.append(event.acknowledgement)
                } else {
                    settled += 1
                }
            }
            return (sources, settled)
        }
    }

    /// The parking write failed: the events stay as they were.
    func abandon(_ serials: [UInt64]) {
        entries.withLock { entries in
            for serial in serials {
                if case .candidate = entries[serial] { entries[serial] = nil }
            }
        }
    }

    /// Whether an event is on disk already (parked), for the shutdown path.
    func isParked(_ serial: UInt64) -> Bool {
        entries.withLock { entries in
            if case .parked = entries[serial] { return true }
            return false
        }
    }

    /// The event is delivered or dead-lettered: acknowledge whoever waits for it.
    func settle(_ event: PendingEvent) {
        guard event.serial != 0 else {
            event.acknowledgement.acknowledge()
            return
        }
        let target = entries.withLock { entries -> Acknowledgement in
            switch entries.removeValue(forKey: event.serial) {
            case .parked(let segment): return segment
            case .candidate, nil: return event.acknowledgement
            }
        }
        target.acknowledge()
    }
}
