import Foundation
import GRDB
@testable import HeraldService
import Testing

@Suite("SQLite statements bound through the C API (the intake's SQLiteRows)")
struct SQLiteRowsTests {
    @Test("text, empty text, NULL, numbers, booleans and blobs are stored as bound")
    func roundTrip() throws {
        let db = try DatabaseQueue()
        try db.write { db in
            try db.execute(sql: "CREATE TABLE t (s TEXT, e TEXT, n TEXT, d REAL, i INTEGER, b INTEGER, x BLOB, y BLOB)")
            var insert = try SQLiteRows(db, "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            insert.bind("Olá \"mundo\"")
            insert.bind("")
            insert.bind(nil as String?)
            insert.bind(2.5)
            insert.bind(Int64(1) << 40)
            insert.bind(true)
            insert.bindBlob([0, 1, 255])
            insert.bindBlob([])
            try insert.execute()
            // The statement is ready for the next row at once.
            insert.bind("second")
            for _ in 0..<5 { insert.bind(nil as Int?) }
            insert.bindBlob([7])
            insert.bindText([UInt8]("text from bytes".utf8)[5...])
            try insert.execute()
            let rows = try Row.fetchAll(db, sql: "SELECT s, e, n, d, i, b, x, y, typeof(e), typeof(y) FROM t ORDER BY rowid")
            #expect(rows.count == 2)
            #expect(rows[0]["s"] == "Olá \"mundo\"")
            #expect(rows[0][8] == "text", "an empty string is text, not NULL")
            #expect(rows[0]["n"] as String? == nil)
            #expect(rows[0]["d"] == 2.5)
            #expect(rows[0]["i"] == Int64(1) << 40)
            #expect(rows[0]["b"] == 1)
            #expect(rows[0]["x"] == Data([0, 1, 255]))
            #expect(rows[0][9] == "blob", "an empty blob is a blob, not NULL")
            #expect(rows[1]["y"] == "from bytes")

            var select = try SQLiteRows(db, "SELECT s FROM t WHERE s = ?")
            select.bind("second")
            #expect(try select.next())
            #expect(select.text(0) == "second")
            #expect(try !select.next())
            select.reset()
        }
    }

    @Test("a row bound with too few or too many values is an error, and nothing is written")
    func miscounted() throws {
        let db = try DatabaseQueue()
        try db.write { db in
            try db.execute(sql: "CREATE TABLE t (a TEXT, b TEXT)")
            var insert = try SQLiteRows(db, "INSERT INTO t VALUES (?, ?)")
            insert.bind("only one")
            #expect(throws: DatabaseError.self) { try insert.execute() }
            for v in ["a", "b", "c"] { insert.bind(v) }
            #expect(throws: DatabaseError.self) { try insert.execute() }
            // After an error the statement starts over.
            insert.bind("a")
            insert.bind("b")
            try insert.execute()
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") == 1)
        }
    }

    @Test("a constraint failure is a DatabaseError with SQLite's message")
    func constraint() throws {
        let db = try DatabaseQueue()
        try db.write { db in
            try db.execute(sql: "CREATE TABLE t (a TEXT PRIMARY KEY)")
            var insert = try SQLiteRows(db, "INSERT INTO t VALUES (?)")
            insert.bind("x")
            try insert.execute()
            insert.bind("x")
            let error = #expect(throws: DatabaseError.self) { try insert.execute() }
            #expect(error?.resultCode == .SQLITE_CONSTRAINT)
            #expect(error?.message?.contains("UNIQUE") == true)
        }
    }
}
