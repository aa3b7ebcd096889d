import Foundation
@testable import OCPIRuntime
import Testing

@Suite struct CredentialsTokenTests {
    @Test func aHeaderStandsForItsDecodedTokenThenItself() {
        let encoded = Data("abc-123".utf8).base64EncodedString()
        #expect(CredentialsToken.candidates(fromHeader: "Token \(encoded)") == ["abc-123", encoded])
        #expect(CredentialsToken.candidates(fromHeader: "token plain!") == ["plain!"], "not base64: the value as it is")
    }

    @Test func whiteSpaceAroundTheTokenIsNotPartOfIt() {
        #expect(CredentialsToken.candidates(fromHeader: "Token \t plain \r\n") == ["plain"])
        #expect(CredentialsToken.candidates(fromHeader: "Token \u{00A0}plain\u{2003}") == ["plain"], "Unicode white space too")
        #expect(CredentialsToken.candidates(fromHeader: "Token  \t ").isEmpty)
        #expect(CredentialsToken.candidates(fromHeader: "Bearer plain").isEmpty)
        #expect(CredentialsToken.candidates(fromHeader: "Token").isEmpty)
    }

    /// An ASCII header is read from its bytes, base64 included: it must find what the general
    /// path (Foundation's base64) finds, for well-formed headers and for every way of being not.
    @Test func headersReadFromTheirBytesGiveWhatTheGeneralPathGives() {
        var headers = [
            "Token QQ==", "Token QR==", "Token QUI=", "Token QUJ=", "Token QQ", "Token QUI", "Token QQ=", "Token Q===", "Token ====",
            "Token =QUJ", "Token QQ==QQ==", "Token QUJD", "Token AAAA", "Token IA==", "Token fn5+", "Token f39/", "TOKEN QUJD",
            "tOkEn  \t QUJD \r\n", "   Token QUJD", "Token\tQUJD", "Tokens QUJD", "Toke QUJD", "Token ", "Token", "", " ",
            "Token QU JD", "Token cGxhaW4=", "Token cGxhaW4", "Token " + Data("abc-123".utf8).base64EncodedString(),
        ]
        var generator = SplitMix(seed: 0x0C91)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \t-_!~".utf8)
        for _ in 0..<3000 {
            let token = (0..<Int(generator.next() % 24)).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            headers.append("Token " + String(decoding: token, as: UTF8.self))
            let bytes = (0..<Int(generator.next() % 20)).map { _ in UInt8(truncatingIfNeeded: generator.next() % 128) }
            headers.append("Token " + Data(bytes).base64EncodedString())
        }
        for header in headers {
            #expect(CredentialsToken.candidates(fromHeader: header) == CredentialsToken.anyCandidates(fromHeader: header), "\(header.debugDescription)")
        }
    }
}

/// A small seeded generator, so that a failure comes back on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
