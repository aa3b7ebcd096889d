import Foundation
import OCPIRuntime
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
}
