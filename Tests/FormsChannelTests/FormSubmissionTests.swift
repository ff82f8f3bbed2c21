import FormsChannel
import Testing

@Suite struct FormSubmissionTests {
    func parse(_ body: String, _ contentType: String? = "application/x-www-form-urlencoded") throws(FormSubmission.ParseError) -> [String: String] {
        try FormSubmission.parse(body: Array(body.utf8), contentType: contentType)
    }

    @Test func urlEncodedBodiesDecodePlusAndPercentEscapes() throws {
        let values = try parse("name=Ana+Lima&email=ana%40example.com&message=Caf%C3%A9+%26+cr%C3%A8me%0D%0Aline+2")
        #expect(values == ["name": "Ana Lima", "email": "ana@example.com", "message": "Café & crème\r\nline 2"])
    }

    @Test func aLiteralPlusIsSentAsPercent2B() throws {
        #expect(try parse("sum=1%2B1%3D2") == ["sum": "1+1=2"])
    }

    @Test func emptyValuesKeysWithoutEqualsAndStrayAmpersandsAreTolerated() throws {
        #expect(try parse("a=&b&&c=x=y&") == ["a": "", "b": "", "c": "x=y"])
        #expect(try parse("") == [:])
    }

    @Test func theMediaTypeIsMatchedCaseInsensitivelyIgnoringParameters() throws {
        #expect(try parse("a=1", "Application/X-WWW-Form-URLEncoded; charset=UTF-8") == ["a": "1"])
        #expect(try parse(#"{"a":"1"}"#, "application/json;charset=utf-8") == ["a": "1"])
    }

    @Test(arguments: ["a=%", "a=%4", "a=%zz", "a=100%", "a%2=1", "a=%G1"])
    func malformedPercentEscapesAreRefused(body: String) {
        #expect(throws: FormSubmission.ParseError.self) { try parse(body) }
        do {
            _ = try parse(body)
        } catch {
            guard case .malformedPercentEscape = error else {
                Issue.record("unexpected \(error)")
                return
            }
        }
    }

    @Test func percentEscapesThatAreNotUTF8AreRefused() {
        #expect(throws: FormSubmission.ParseError.invalidUTF8) { try parse("a=%FF%FE") }
        #expect(throws: FormSubmission.ParseError.invalidUTF8) { try parse("a=%C3") }
    }

    @Test func aRepeatedFieldIsRefused() {
        #expect(throws: FormSubmission.ParseError.repeatedField("a")) { try parse("a=1&b=2&a=3") }
        #expect(throws: FormSubmission.ParseError.repeatedField("a b")) { try parse("a+b=1&a%20b=2") }
    }

    @Test func anEmptyFieldNameIsRefused() {
        #expect(throws: FormSubmission.ParseError.emptyFieldName) { try parse("=value") }
    }

    @Test func jsonObjectsOfScalarsBecomeText() throws {
        let values = try parse(
            #"{"name":"Ana","age":42,"score":1.5,"subscribe":true,"optOut":false,"nothing":null,"note":"a\nb"}"#,
            "application/json")
        #expect(values == ["name": "Ana", "age": "42", "score": "1.5", "subscribe": "true", "optOut": "false", "note": "a\nb"])
    }

    @Test func nestedJSONValuesAreRefused() {
        #expect(throws: FormSubmission.ParseError.nestedValue(field: "tags")) {
            try parse(#"{"name":"Ana","tags":["a","b"]}"#, "application/json")
        }
        #expect(throws: FormSubmission.ParseError.nestedValue(field: "address")) {
            try parse(#"{"address":{"city":"Lisbon"}}"#, "application/json")
        }
    }

    @Test(arguments: ["", "[]", #""text""#, "{", "name=Ana", "42"])
    func jsonThatIsNotAnObjectIsRefused(body: String) {
        #expect(throws: FormSubmission.ParseError.invalidJSON) { try parse(body, "application/json") }
    }

    @Test(arguments: [nil, "text/plain", "multipart/form-data; boundary=x", "application/jsonx", ""] as [String?])
    func otherContentTypesAreUnsupported(contentType: String?) {
        #expect(throws: FormSubmission.ParseError.unsupportedMediaType(contentType)) { try parse("a=1", contentType) }
        #expect(FormSubmission.ParseError.unsupportedMediaType(contentType).isUnsupportedMediaType)
        #expect(!FormSubmission.ParseError.invalidJSON.isUnsupportedMediaType)
    }
}
