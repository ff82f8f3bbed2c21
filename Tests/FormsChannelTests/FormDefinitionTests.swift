import Foundation
import FormsChannel
import Testing

@Suite struct FormDefinitionTests {
    func definition(_ fields: [FormField], name: String = "Contact us") -> FormDefinition {
        FormDefinition(channelId: "ch_1", name: name, fields: fields)
    }

    @Test func aFieldNamedEmailIsAnEmailFieldUnlessToldOtherwise() {
        #expect(FormField(name: "email", label: "Email").kind == .email)
        #expect(FormField(name: "Email", label: "Email").kind == .email)
        #expect(FormField(name: "email", label: "Email", kind: .text).kind == .text)
        #expect(FormField(name: "message", label: "Message").kind == .text)
        #expect(FormField(name: "message", label: "Message").required == false)
    }

    @Test func fieldsDecodeFromTheChannelCreationJSONWithDefaults() throws {
        let json = #"[{"name":"email","label":"Email","required":true},{"name":"body","label":"Body","kind":"textarea"}]"#
        let fields = try JSONDecoder().decode([FormField].self, from: Data(json.utf8))
        #expect(
            fields == [
                FormField(name: "email", label: "Email", required: true, kind: .email),
                FormField(name: "body", label: "Body", required: false, kind: .textarea),
            ])
        #expect(throws: (any Error).self) {
            try JSONDecoder().decode(FormField.self, from: Data(#"{"name":"a","label":"A","kind":"checkbox"}"#.utf8))
        }
    }

    @Test func aSensibleDefinitionHasNoProblems() {
        let valid = definition([
            FormField(name: "name", label: "Your name", required: true),
            FormField(name: "email", label: "Email", required: true),
            FormField(name: "order-id_2", label: "Order"),
            FormField(name: "message", label: "Message", required: true, kind: .textarea),
        ])
        #expect(valid.problems().isEmpty)
    }

    @Test(arguments: ["", "1abc", "_a", "-a", "a b", "a.b", "é", "a/b", String(repeating: "a", count: 65)])
    func badFieldNamesAreRefused(name: String) {
        let problems = definition([FormField(name: name, label: "Label")]).problems()
        #expect(problems == [FormDefinitionProblem(field: "fields[0].name", code: .invalidName, message: problems.first?.message ?? "")])
    }

    @Test(arguments: ["a", "Z", "a1", "first_name", "x-y", String(repeating: "a", count: 64)])
    func goodFieldNamesAreAccepted(name: String) {
        #expect(FormDefinition.isValidFieldName(name))
    }

    @Test func duplicateNamesAreReportedOnTheSecondOccurrence() {
        let problems = definition([
            FormField(name: "topic", label: "Topic"), FormField(name: "other", label: "Other"),
            FormField(name: "topic", label: "Topic again"),
        ]).problems()
        #expect(problems.map(\.field) == ["fields[2].name"])
        #expect(problems.map(\.code) == [.duplicate])
    }

    @Test func theHoneypotNameIsReserved() {
        let problems = definition([FormField(name: FormDefinition.honeypotFieldName, label: "Website")]).problems()
        #expect(problems.map(\.code) == [.reserved])
    }

    @Test func blankLabelsAndFormNamesAreRefused() {
        let problems = definition([FormField(name: "a", label: "  "), FormField(name: "b", label: "B")], name: "\n").problems()
        #expect(problems.map(\.field) == ["name", "fields[0].label"])
        #expect(problems.map(\.code) == [.required, .required])
    }

    @Test func aFormNeedsBetweenOneAndFiftyFields() {
        #expect(definition([]).problems().map(\.code) == [.required])
        let fifty = (1...50).map { FormField(name: "f\($0)", label: "F\($0)") }
        #expect(definition(fifty).problems().isEmpty)
        let fiftyOne = (1...51).map { FormField(name: "f\($0)", label: "F\($0)") }
        #expect(definition(fiftyOne).problems().map(\.code) == [.tooMany])
    }

    @Test func overlongLabelsAreRefused() {
        let problems = definition([FormField(name: "a", label: String(repeating: "x", count: 201))]).problems()
        #expect(problems.map(\.code) == [.tooLong])
    }

    @Test func everyProblemIsReportedAtOnce() {
        let problems = definition([
            FormField(name: "9", label: ""), FormField(name: "ok", label: "Ok"), FormField(name: "ok", label: "Ok"),
        ], name: "").problems()
        #expect(problems.map(\.field) == ["name", "fields[0].name", "fields[0].label", "fields[2].name"])
        #expect(problems.allSatisfy { !$0.message.isEmpty })
    }
}
