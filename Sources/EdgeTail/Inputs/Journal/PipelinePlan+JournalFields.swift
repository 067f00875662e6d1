extension PipelinePlan {
    /// The journal fields the pipeline's templates and identity rules name, so the
    /// journal source fetches exactly those for each entry and no more.
    public var journalFieldNames: [String] {
        var references: [FieldReference] = []
        for template in data.map(\.1) + rules.flatMap({ [$0.linkURL, $0.name].compactMap { $0 } }) {
            for case .field(let field) in template.parts { references.append(field) }
        }
        for rule in identityRules {
            switch rule {
            case .field(let field, _, _, _): references.append(field)
            case .derive(let fields, _, _, _, _): references += fields
            }
        }
        references.append(extractor.cookieField)
        var names: [String] = []
        for case .journal(let name) in references {
            let text = String(decoding: name, as: UTF8.self)
            if !names.contains(text) { names.append(text) }
        }
        return names
    }
}
