#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Splits the bytes of a file descriptor into NDJSON lines with bounded
/// memory (docs/rule-language.md §9): a buffer that grows up to
/// `maximumLineLength` and is reused for every line. A longer line is not
/// held: it is skipped and reported as `.tooLong`, which a host turns into
/// the `malformed-json` reject of that line (`NDJSONWriter.process(_:…)`
/// does). Every host that reads events from a stream (`herald eval`, a
/// pipe, a file) uses this one reader.
public final class NDJSONLineReader {
    /// Lines longer than this (16 MiB) are reported, not held.
    public static let maximumLineLength = 16 << 20

    /// One line of input.
    public enum Line {
        /// A line without its `\n`, 1-based `number`; the bytes are valid
        /// until the next call to `next()`.
        case text(UnsafeRawBufferPointer, number: Int)
        /// A line longer than `maximumLineLength`, skipped.
        case tooLong(number: Int)
    }

    /// The descriptor read from (not closed by the reader).
    public let descriptor: Int32
    /// The `errno` of a failed `read`, after which `next()` returns nil.
    public private(set) var readError: Int32?

    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var eof = false
    private var lineNumber = 0
    private var skipping = false

    /// A reader of `descriptor`, starting with a 1 MiB buffer.
    public init(descriptor: Int32) {
        self.descriptor = descriptor
        buffer = .allocate(byteCount: 1 << 20, alignment: 16)
    }

    deinit {
        buffer.deallocate()
    }

    /// The next line, or nil at the end of input or after a read error
    /// (`readError`). A last line without a newline is a line.
    public func next() -> Line? {
        while true {
            if start < end, let line = nextBufferedLine() { return line }
            if eof { return lastLine() }
            makeRoom()
            let n = read(descriptor, buffer.baseAddress! + end, buffer.count - end)
            if n < 0 {
                if errno == EINTR { continue }
                readError = errno
                eof = true
            } else if n == 0 {
                eof = true
            } else {
                end += n
            }
        }
    }

    /// A complete line in the buffer, if there is one.
    private func nextBufferedLine() -> Line? {
        let base = buffer.baseAddress! + start
        guard let found = memchr(base, 0x0A, end - start) else { return nil }
        let length = base.distance(to: UnsafeMutableRawPointer(found))
        start += length + 1
        return line(UnsafeRawBufferPointer(start: base, count: length))
    }

    /// What is left at the end of input: a last line without `\n`, or nil.
    private func lastLine() -> Line? {
        guard start < end || skipping else {
            start = 0
            end = 0
            return nil
        }
        let rest = UnsafeRawBufferPointer(start: buffer.baseAddress! + start, count: end - start)
        start = end
        return line(rest)
    }

    /// Numbers the line; a line whose start was skipped is `.tooLong`.
    private func line(_ bytes: UnsafeRawBufferPointer) -> Line {
        lineNumber += 1
        if skipping {
            skipping = false
            return .tooLong(number: lineNumber)
        }
        return .text(bytes, number: lineNumber)
    }

    /// Moves the partial line to the front and grows the buffer up to the
    /// limit; past it, starts skipping the line.
    private func makeRoom() {
        if start > 0 {
            let count = end - start
            if count > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: count) }
            start = 0
            end = count
        }
        guard end == buffer.count else { return }
        if buffer.count >= Self.maximumLineLength {
            skipping = true
            end = 0
        } else {
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
            bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
            buffer.deallocate()
            buffer = bigger
        }
    }
}
