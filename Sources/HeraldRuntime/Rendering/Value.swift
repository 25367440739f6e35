/// A value of an event field at run time. Absent and `null` are both `nil`
/// where a `Value?` is expected.
public enum Value: Sendable, Hashable {
    /// Text (string, email, phone, status, enum).
    case string(String)
    /// A number (int or decimal).
    case number(Double)
    /// true / false.
    case bool(Bool)
    /// A datetime.
    case datetime(Timestamp)
    /// A list (from an expression list literal).
    case list([Value])
}
