import Testing

@testable import StrictJSON

@Suite struct JSONSyntaxTests {
    @Test(arguments: [
        #"{"a":[1,2.5e-3,-0,true,false,null,"x\u00e9\n"]}"#, "[]", "{}", " 1 ", #""é😀""#, "[[[]]]",
        #"{"a":{"b":{}}}"#,
    ])
    func valid(text: String) throws {
        try JSONSyntax.validate(Array(text.utf8))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\"}", "{\"a\":1,}", "01", "1.", "-", "tru", "\"\u{01}\"", "\"\\x\"", "[1] x",
        "{'a':1}", "NaN", "\"\\u12\"", "1e", "{1:2}",
    ])
    func invalid(text: String) {
        #expect(throws: JSONSyntax.Failure.self) { try JSONSyntax.validate(Array(text.utf8)) }
    }

    @Test func invalidUTF8AndDeepNestingAreRefused() {
        #expect(throws: JSONSyntax.Failure.self) { try JSONSyntax.validate([0x22, 0xff, 0x22]) }
        #expect(throws: JSONSyntax.Failure.self) { try JSONSyntax.validate([0x22, 0xed, 0xa0, 0x80, 0x22]) }  // surrogate
        #expect(throws: JSONSyntax.Failure.self) { try JSONSyntax.validate([0x22, 0xc0, 0xaf, 0x22]) }  // overlong
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: JSONSyntax.Failure.self) { try JSONSyntax.validate(Array(deep.utf8)) }
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(throws: Never.self) { try JSONSyntax.validate(Array(fine.utf8)) }
    }

    @Test func failuresSayWhere() {
        #expect(throws: JSONSyntax.Failure(offset: 3, message: "expected ',' or ']'")) {
            try JSONSyntax.validate(Array("[1 2]".utf8))
        }
    }
}
