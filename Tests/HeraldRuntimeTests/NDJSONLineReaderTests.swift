import Foundation
import HeraldRuntime
import HeraldTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The runtime's NDJSON line reader (docs/rule-language.md §9).
@Suite("NDJSON line reader")
struct NDJSONLineReaderTests {
    /// The lines of `data` as (text or nil for too long, number).
    func lines(of data: Data) throws -> [(String?, Int)] {
        let dir = try TemporaryDirectory("reader")
        try dir.write("events.ndjson", data)
        let fd = open(dir.path("events.ndjson"), O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        let reader = NDJSONLineReader(descriptor: fd)
        var result: [(String?, Int)] = []
        while let line = reader.next() {
            switch line {
            case .text(let bytes, let number): result.append((String(decoding: bytes, as: UTF8.self), number))
            case .tooLong(let number): result.append((nil, number))
            }
        }
        #expect(reader.readError == nil)
        return result
    }

    @Test("lines are numbered from 1, blank lines count, a last line without newline is read")
    func numbering() throws {
        let got = try lines(of: Data("{\"a\":1}\n\n{\"b\":2}\r\n{\"c\":3}".utf8))
        #expect(got.map(\.0) == ["{\"a\":1}", "", "{\"b\":2}\r", "{\"c\":3}"])
        #expect(got.map(\.1) == [1, 2, 3, 4])
    }

    @Test("an empty input has no lines")
    func empty() throws {
        #expect(try lines(of: Data()).isEmpty)
    }

    @Test("lines longer than the buffer's start size grow it; a line over the limit is reported, and the next is read")
    func longLines() throws {
        var data = Data(repeating: UInt8(ascii: "x"), count: 3 << 20)
        data.append(0x0A)
        data.append(Data(repeating: UInt8(ascii: "y"), count: NDJSONLineReader.maximumLineLength + 10))
        data.append(contentsOf: Array("\nlast\n".utf8))
        let got = try lines(of: data)
        #expect(got.count == 3)
        #expect(got[0].0?.count == 3 << 20 && got[0].1 == 1)
        #expect(got[1].0 == nil && got[1].1 == 2)
        #expect(got[2].0 == "last" && got[2].1 == 3)
    }
}
