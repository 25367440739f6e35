/// A `[String: Int]` read through a `NameTable` first: an exact UTF-8 match
/// costs a cheap hash and a word-wise compare instead of hashing the whole
/// `String`. Answers what the dictionary answers: a miss goes on to the
/// dictionary unless the key and every name are ASCII (then `String`
/// equality is byte equality, so the dictionary has no match either).
/// A class: evaluation passes it around with one retain.
final class StringIndex: Sendable {
    private let table: NameTable
    /// The value of each name, in table order.
    private let values: [Int]
    private let dictionary: [String: Int]
    /// Every name is ASCII and the table holds all of them.
    private let exact: Bool

    init(_ dictionary: [String: Int]) {
        let entries = dictionary.sorted { $0.key < $1.key }
        table = NameTable(entries.map { Array($0.key.utf8) })
        values = entries.map(\.value)
        self.dictionary = dictionary
        exact = entries.count < Int(Int16.max) && entries.allSatisfy { $0.key.utf8.allSatisfy { $0 < 0x80 } }
    }

    /// The value for `key`, as `dictionary[key]`.
    subscript(key: String) -> Int? {
        var key = key
        let found: Int?? = key.withUTF8 { bytes in
            if let i = table.index(of: bytes), i < values.count { return values[i] }
            if exact, !bytes.contains(where: { $0 >= 0x80 }) { return .some(nil) }
            return nil  // ask the dictionary
        }
        if let found { return found }
        return dictionary[key]
    }

    /// The value for the text whose UTF-8 is `bytes`, as
    /// `dictionary[String(decoding: bytes, as: UTF8.self)]`, without making
    /// the `String` when the table answers.
    func index(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        if let i = table.index(of: bytes), i < values.count { return values[i] }
        if exact, !bytes.contains(where: { $0 >= 0x80 }) { return nil }
        return dictionary[String(decoding: bytes, as: UTF8.self)]
    }
}
