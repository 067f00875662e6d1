import Testing
@testable import EdgeTail

/// A batch's tally folds into the same counts as recording each line on its own.
@Suite struct OutcomeTallyTests {
    @Test func aTallyFoldsIntoTheSameCountsAsLineByLineRecording() {
        let outcomes: [(LineOutcome, String)] = [
            (.pageView, "FPID"), (.linkClick, "ECID"), (.pageView, "FPID"), (.dropped(.bot), ""), (.dropped(.directive), ""),
            (.failed("malformed status"), ""), (.dropped(.unmatched), ""), (.dropped(.staticAsset), ""), (.dropped(.bot), ""),
        ]
        var expected = PipelineCounts()
        for (outcome, namespace) in outcomes { expected.record(outcome, namespace: namespace) }
        var counts = PipelineCounts()
        var tally = OutcomeTally()
        for (outcome, namespace) in outcomes { tally.record(outcome, namespace: namespace, failuresInto: &counts) }
        tally.fold(into: &counts)
        #expect(counts == expected)
        #expect(counts.identities == ["FPID": 2, "ECID": 1])
        #expect(counts.dropped == ["bot": 2, "directive": 1, "unmatched": 1, "static": 1])
    }

    @Test func ordinalsFollowAllCases() {
        #expect(DropReason.allCases.map(\.ordinal) == Array(DropReason.allCases.indices))
    }
}
