import HeraldModel

/// Where a field path's value comes from at run time, resolved once.
enum FieldRef: Sendable, Hashable {
    /// A slot of the event.
    case slot(Int)
    /// A field of the event's location (index into `PlaceFields`).
    case location(Int)
    /// A field of the client's region (index into `PlaceFields`).
    case region(Int)
    /// Never has a value.
    case absent
}

/// The field names of locations or regions (`id`, `name`, `vars.X`) with an
/// index each; every place stores its values in that order.
struct PlaceFields: Sendable {
    let names: [String]
    let index: [String: Int]

    init(places: [Place]) {
        var names = ["id", "name"]
        var seen = Set(names)
        for place in places {
            for key in place.vars.keys.sorted() where seen.insert("vars.\(key)").inserted {
                names.append("vars.\(key)")
            }
        }
        self.names = names
        var index: [String: Int] = [:]
        for (i, n) in names.enumerated() { index[n] = i }
        self.index = index
    }

    func values(of place: Place) -> [Value?] {
        names.map { name -> Value? in
            switch name {
            case "id": return .string(place.id)
            case "name": return .string(place.name)
            default: return place.vars[String(name.dropFirst(5))].map(Value.string)
            }
        }
    }
}

/// Resolves field paths of expressions and templates to `FieldRef`s. A
/// class: every template keeps the resolver for its first use, and copying
/// a struct of dictionaries and arrays into each (and into every call of
/// a `resolve` closure) cost more than building the graph's conditions.
final class FieldResolver: Sendable {
    let layout: EventLayout
    let locationFields: PlaceFields
    let regionFields: PlaceFields

    init(layout: EventLayout, locationFields: PlaceFields, regionFields: PlaceFields) {
        self.layout = layout
        self.locationFields = locationFields
        self.regionFields = regionFields
    }

    func resolve(_ path: FieldPath) -> FieldRef {
        let c = path.components
        guard let first = c.first, let entity = Entity(rawValue: first) else { return .absent }
        // Most paths are `entity.field`: no dotted text to build.
        let rest = c.count == 2 ? c[1] : c.dropFirst().joined(separator: ".")
        switch entity {
        case .location: return locationFields.index[rest].map(FieldRef.location) ?? .absent
        case .region: return regionFields.index[rest].map(FieldRef.region) ?? .absent
        default: return layout.slot(entity, rest).map(FieldRef.slot) ?? .absent
        }
    }
}

/// A `where` expression with its paths resolved to slots.
indirect enum CompiledExpression: Sendable {
    case constant(Value?)
    case field(FieldRef)
    case list([CompiledExpression])
    case not(CompiledExpression)
    case and(CompiledExpression, CompiledExpression)
    case or(CompiledExpression, CompiledExpression)
    case compare(ComparisonOperator, CompiledExpression, CompiledExpression)
    case call(ExpressionFunction, [CompiledExpression])

    init(_ e: RuleExpression, resolve: (FieldPath) -> FieldRef) {
        switch e {
        case .literal(let l):
            switch l {
            case .string(let s): self = .constant(.string(s))
            case .number(let d): self = .constant(.number(d))
            case .bool(let b): self = .constant(.bool(b))
            case .null: self = .constant(nil)
            }
        case .path(let p): self = .field(resolve(p))
        case .list(let items): self = .list(items.map { CompiledExpression($0, resolve: resolve) })
        case .not(let x): self = .not(CompiledExpression(x, resolve: resolve))
        case .and(let a, let b): self = .and(CompiledExpression(a, resolve: resolve), CompiledExpression(b, resolve: resolve))
        case .or(let a, let b): self = .or(CompiledExpression(a, resolve: resolve), CompiledExpression(b, resolve: resolve))
        case .compare(let op, let a, let b):
            self = .compare(op, CompiledExpression(a, resolve: resolve), CompiledExpression(b, resolve: resolve))
        case .call(let f, let args): self = .call(f, args.map { CompiledExpression($0, resolve: resolve) })
        }
    }
}

/// Evaluation of `where` (docs/rule-language.md §8): an absent value equals only `null`, and
/// counts as false where a bool is needed.
enum ExpressionEvaluator {
    static func isTrue(_ e: CompiledExpression, _ source: EventContext) -> Bool {
        switch e {
        case .not(let x): return !isTrue(x, source)
        case .and(let a, let b): return isTrue(a, source) && isTrue(b, source)
        case .or(let a, let b): return isTrue(a, source) || isTrue(b, source)
        case .compare(let op, let a, let b): return compare(op, a, b, source)
        default:
            if case .bool(true)? = value(e, source) { return true }
            return false
        }
    }

    static func value(_ e: CompiledExpression, _ source: EventContext) -> Value? {
        switch e {
        case .constant(let v): return v
        case .field(let ref): return source.value(ref)
        case .list(let items): return .list(items.compactMap { value($0, source) })
        case .not, .and, .or, .compare: return .bool(isTrue(e, source))
        case .call(let f, let args): return call(f, args, source)
        }
    }

    /// The items of a list operand, keeping absent items (so `x in [null]` works).
    private static func items(_ e: CompiledExpression, _ source: EventContext) -> [Value?]? {
        if case .list(let items) = e { return items.map { value($0, source) } }
        if case .list(let values)? = value(e, source) { return values }
        return nil
    }

    private static func compare(_ op: ComparisonOperator, _ a: CompiledExpression, _ b: CompiledExpression, _ source: EventContext) -> Bool {
        switch op {
        case .equal: return equal(value(a, source), value(b, source))
        case .notEqual: return !equal(value(a, source), value(b, source))
        case .isIn: return contains(b, a, source)
        case .notIn: return !contains(b, a, source)
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard let order = order(value(a, source), value(b, source)) else { return false }
            switch op {
            case .less: return order < 0
            case .lessOrEqual: return order <= 0
            case .greater: return order > 0
            default: return order >= 0
            }
        }
    }

    /// Whether `container` (a list, or a text for substrings) holds `item`.
    private static func contains(_ container: CompiledExpression, _ item: CompiledExpression, _ source: EventContext) -> Bool {
        let needle = value(item, source)
        if let list = items(container, source) { return list.contains { equal($0, needle) } }
        if case .string(let hay)? = value(container, source), case .string(let n)? = needle { return hay.contains(n) }
        return false
    }

    static func equal(_ a: Value?, _ b: Value?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (nil, _), (_, nil): return false
        case (.string(let x)?, .string(let y)?): return x == y
        case (.number(let x)?, .number(let y)?): return x == y
        case (.bool(let x)?, .bool(let y)?): return x == y
        case (.datetime(let x)?, .datetime(let y)?): return x == y
        case (.datetime(let x)?, .string(let y)?), (.string(let y)?, .datetime(let x)?):
            return RFC3339.parse(Substring(y)).map { $0 == x } ?? false
        case (.list(let x)?, .list(let y)?):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        default: return false
        }
    }

    /// -1, 0, 1, or nil when the values are not ordered against each other.
    static func order(_ a: Value?, _ b: Value?) -> Int? {
        func sign<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x == y ? 0 : 1) }
        switch (a, b) {
        case (.number(let x)?, .number(let y)?): return sign(x, y)
        case (.string(let x)?, .string(let y)?): return sign(x, y)
        case (.datetime(let x)?, .datetime(let y)?): return sign(x, y)
        case (.datetime(let x)?, .string(let y)?):
            return RFC3339.parse(Substring(y)).map { sign(x, $0) }
        case (.string(let x)?, .datetime(let y)?):
            return RFC3339.parse(Substring(x)).map { sign($0, y) }
        default: return nil
        }
    }

    private static func call(_ f: ExpressionFunction, _ args: [CompiledExpression], _ source: EventContext) -> Value? {
        func arg(_ i: Int) -> Value? { i < args.count ? value(args[i], source) : nil }
        switch f {
        case .has:
            return .bool(arg(0) != nil)
        case .startsWith:
            guard case .string(let s)? = arg(0), case .string(let p)? = arg(1) else { return .bool(false) }
            return .bool(s.hasPrefix(p))
        case .endsWith:
            guard case .string(let s)? = arg(0), case .string(let p)? = arg(1) else { return .bool(false) }
            return .bool(s.hasSuffix(p))
        case .contains:
            guard args.count >= 2 else { return .bool(false) }
            return .bool(contains(args[0], args[1], source))
        case .lower:
            guard case .string(let s)? = arg(0) else { return nil }
            return .string(s.lowercased())
        }
    }
}
