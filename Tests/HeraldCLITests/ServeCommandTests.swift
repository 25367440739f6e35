import Foundation
import HeraldTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// `herald serve` as a user starts it: what stops it before it listens.

@Suite("herald serve start-up")
struct ServeCommandTests {
    /// A loopback port held open by this process for as long as the socket lives.
    final class HeldPort {
        let descriptor: Int32
        let port: Int

        init() throws {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.descriptor = descriptor
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                    bind(descriptor, pointer, length) == 0 && listen(descriptor, 1) == 0
                        && getsockname(descriptor, pointer, &length) == 0
                }
            }
            port = Int(UInt16(bigEndian: address.sin_port))
            guard bound else { throw CocoaError(.fileWriteUnknown) }
        }

        deinit { close(descriptor) }
    }

    @Test("a listen address already in use stops it with exit 1 and one clear line, not an internal error")
    func addressInUse() throws {
        let held = try HeldPort()
        let dir = try TemporaryDirectory(files: [
            "rules/r.yaml": evalRules,
            "herald.yaml": "listen: 127.0.0.1:\(held.port)\nstore: sqlite:herald.sqlite\n",
        ])
        let run = try Herald.run(["serve", "--rules", "rules"], in: dir, timeout: 60)
        #expect(run.status == 1)
        #expect(run.stderr.contains("herald: error: cannot listen on 127.0.0.1:\(held.port): Address already in use\n"), "\(run.stderr)")
        #expect(!run.stderr.contains("internal error"))
    }
}
