import GRDB
import GRDBSQLite

/// A prepared statement the intake runs through SQLite's C API.
///
/// The intake binds a dozen values per row for tens of thousands of rows a
/// second. GRDB's `StatementArguments` boxes each value in an existential
/// and copies it into an array first, and `cachedStatement(sql:)` hashes the
/// SQL text on every call; together they cost more than SQLite's own work
/// (BENCHMARKS.md, "The service"). A `SQLiteRows` is prepared once per
/// transaction and binds each value straight into the statement.
///
/// Values are bound in order with `bind`, then `execute()` (or `next()` for a
/// query) runs the statement, and `reset()` makes it ready for the next row.
struct SQLiteRows {
    private let statement: Statement
    private let handle: OpaquePointer
    private let connection: OpaquePointer?
    private var position: Int32 = 0
    /// The first binding SQLite refused (`SQLITE_TOOBIG`, `SQLITE_RANGE`),
    /// reported by the next `execute()` or `next()`.
    private var refused: Int32 = SQLITE_OK

    /// Prepares (or takes from GRDB's cache) the statement `sql` of `db`.
    init(_ db: Database, _ sql: String) throws {
        statement = try db.cachedStatement(sql: sql)
        handle = statement.sqliteStatement
        connection = db.sqliteConnection
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// SQLite copies strings and blobs it is given (`SQLITE_TRANSIENT`).
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    /// Binds the next value: text, or NULL for nil.
    mutating func bind(_ value: String?) {
        position += 1
        guard var value else {
            check(sqlite3_bind_null(handle, position))
            return
        }
        value.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { bindText($0) }
        }
    }

    /// Binds the next value: text from UTF-8 bytes.
    mutating func bindText(_ bytes: ArraySlice<UInt8>) {
        position += 1
        bytes.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { bindText($0) }
        }
    }

    /// Binds text at `position`; an empty string stays text, not NULL.
    private mutating func bindText(_ c: UnsafeBufferPointer<CChar>) {
        guard c.count <= Int(Int32.max) else { return check(SQLITE_TOOBIG) }
        if let base = c.baseAddress, c.count > 0 {
            check(sqlite3_bind_text(handle, position, base, Int32(c.count), Self.transient))
        } else {
            check(sqlite3_bind_text(handle, position, "", 0, Self.transient))
        }
    }

    private mutating func check(_ code: Int32) {
        if code != SQLITE_OK && refused == SQLITE_OK { refused = code }
    }

    /// A refused binding, or a row bound with too few or too many values,
    /// is an error before SQLite runs the statement.
    private mutating func checkBindings() throws {
        let expected = sqlite3_bind_parameter_count(handle)
        guard refused == SQLITE_OK, position == expected else {
            let code = refused == SQLITE_OK ? SQLITE_RANGE : refused
            reset()
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code),
                message: "\(position) values bound to \(expected) parameters", sql: statement.sql)
        }
    }

    /// Binds the next value: a blob.
    mutating func bindBlob(_ bytes: [UInt8]) {
        position += 1
        guard bytes.count <= Int(Int32.max) else { return check(SQLITE_TOOBIG) }
        bytes.withUnsafeBytes { b in
            // A zero-length blob, not NULL, for an empty array.
            check(sqlite3_bind_blob(handle, position, b.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(b.count), Self.transient))
        }
    }

    /// Binds the next value: a real number.
    mutating func bind(_ value: Double) {
        position += 1
        check(sqlite3_bind_double(handle, position, value))
    }

    /// Binds the next value: an integer, or NULL for nil.
    mutating func bind(_ value: Int64?) {
        position += 1
        check(value.map { sqlite3_bind_int64(handle, position, $0) } ?? sqlite3_bind_null(handle, position))
    }

    /// Binds the next value: an integer, or NULL for nil.
    mutating func bind(_ value: Int?) { bind(value.map(Int64.init)) }

    /// Binds the next value: 1 or 0.
    mutating func bind(_ value: Bool) { bind(Int64(value ? 1 : 0)) }

    /// Runs a statement that returns no rows, then makes it ready for the next.
    mutating func execute() throws {
        try checkBindings()
        let code = sqlite3_step(handle)
        defer { reset() }
        guard code == SQLITE_DONE || code == SQLITE_ROW else { throw error(code) }
    }

    /// Steps a query: true while it has a row (read it with `text(_:)`);
    /// `reset()` when done.
    mutating func next() throws -> Bool {
        if sqlite3_stmt_busy(handle) == 0 { try checkBindings() }
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW { return true }
        if code == SQLITE_DONE { return false }
        defer { reset() }
        throw error(code)
    }

    /// Column `column` (0-based) of the current row as text; nil for NULL.
    func text(_ column: Int32) -> String? {
        guard let p = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: p, count: count), as: UTF8.self)
    }

    /// Clears the bindings and rewinds the statement.
    mutating func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        position = 0
        refused = SQLITE_OK
    }

    private func error(_ code: Int32) -> DatabaseError {
        let message = connection.map { String(cString: sqlite3_errmsg($0)) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
    }
}
