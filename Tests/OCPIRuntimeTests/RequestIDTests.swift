import Foundation
import Testing

@testable import OCPIRuntime

@Suite struct RequestIDTests {
    @Test func idsAreLowerCaseVersion4UUIDsAndNeverRepeat() throws {
        var seen = Set<String>()
        for _ in 0..<20_000 {
            let id = RequestID.next()
            let uuid = try #require(UUID(uuidString: id), "\(id) is a UUID")
            #expect(id == uuid.uuidString.lowercased())
            let bytes = uuid.uuid
            #expect(bytes.6 >> 4 == 4, "version 4: \(id)")
            #expect(bytes.8 >> 6 == 0b10, "RFC 4122 variant: \(id)")
            seen.insert(id)
        }
        #expect(seen.count == 20_000)
    }

    @Test func theFormatPutsEveryNibbleInPlace() {
        #expect(RequestID.format(0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210) == "01234567-89ab-cdef-fedc-ba9876543210")
        #expect(RequestID.format(0, 0) == "00000000-0000-0000-0000-000000000000")
        #expect(RequestID.mix(1) != RequestID.mix(2))
    }
}
