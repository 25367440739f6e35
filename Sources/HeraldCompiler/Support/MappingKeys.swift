public import HeraldSyntax

/// The keys of a YAML mapping read against the keys its schema allows. Used
/// for rule files and for test files alike: every key must be a text and one
/// of the allowed keys; a key written twice keeps its first pair (the YAML
/// parser has recorded the later one already).
public struct MappingKeys: Sendable {
    /// The allowed pairs by key text, first occurrence.
    public var pairs: [String: Node.Pair]
    /// The texts of the keys that are not allowed, in source order.
    public var unknownKeys: [String]
    /// `wrong-type` for each key that is not a text, and the caller's
    /// diagnostic for each text key that is not allowed, in source order.
    public var diagnostics: [Diagnostic]

    /// Reads the keys of `pairs`. `context` names the mapping in messages
    /// ("rule 'r1'"); `unknownKey` makes the diagnostic for a key that is not
    /// in `known` (its text and range), so that each reader words it its way.
    public init(
        _ pairs: [Node.Pair], known: [String], context: String,
        unknownKey: (String, SourceRange) -> Diagnostic
    ) {
        var byKey: [String: Node.Pair] = [:]
        var unknownKeys: [String] = []
        var diagnostics: [Diagnostic] = []
        for pair in pairs {
            guard let key = pair.key.scalar, !key.isNull else {
                diagnostics.append(
                    .error(
                        .wrongType, "keys in \(context) must be names, not \(pair.key.kindDescription)",
                        at: pair.key.range))
                continue
            }
            guard known.contains(key.text) else {
                unknownKeys.append(key.text)
                diagnostics.append(unknownKey(key.text, pair.key.range))
                continue
            }
            if byKey[key.text] == nil { byKey[key.text] = pair }
        }
        self.pairs = byKey
        self.unknownKeys = unknownKeys
        self.diagnostics = diagnostics
    }
}
