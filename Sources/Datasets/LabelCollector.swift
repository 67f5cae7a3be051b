/// Gathers the issues of one load and applies the ``BadLabelPolicy`` to each as it is found.
struct LabelCollector {
    /// Whether to record and go on, or throw at the first issue.
    let policy: BadLabelPolicy
    /// The issues recorded so far, in the order found.
    private(set) var issues: [LabelIssue] = []

    /// A collector applying `policy`.
    init(policy: BadLabelPolicy) {
        self.policy = policy
    }

    /// Records an issue under ``BadLabelPolicy/skip``; throws ``DatasetError/badLabel(file:line:reason:)`` under
    /// ``BadLabelPolicy/fail``.
    mutating func report(
        _ file: String, line: Int? = nil, _ reason: String, _ action: LabelIssue.Action
    ) throws(DatasetError) {
        if policy == .fail {
            throw .badLabel(file: file, line: line, reason: reason)
        }
        issues.append(LabelIssue(file: file, line: line, reason: reason, action: action))
    }
}
