import FormsChannel
import Testing

@Suite struct FormMessageTests {
    let form = FormDefinition(
        channelId: "ch_1", name: "Contact",
        fields: [
            FormField(name: "name", label: "Name"),
            FormField(name: "email", label: "Email"),
            FormField(name: "company", label: "Company"),
            FormField(name: "message", label: "Message", kind: .textarea),
        ])

    @Test func fieldsAreListedAsLabelValueLinesInDefinitionOrder() {
        let text = FormMessage.text(
            definition: form, values: ["message": "Hello", "email": "ana@example.com", "name": "Ana"])
        #expect(text == "Name: Ana\nEmail: ana@example.com\nMessage: Hello")
    }

    @Test func multiLineValuesAreIndentedUnderTheirLabel() {
        let text = FormMessage.text(
            definition: form, values: ["name": "Ana", "message": "First line\r\n\r\nThird line\nName: not a field"])
        #expect(text == "Name: Ana\nMessage:\n  First line\n\n  Third line\n  Name: not a field")
    }

    @Test func emptyMissingAndUnknownValuesAreLeftOut() {
        let text = FormMessage.text(
            definition: form,
            values: ["name": "Ana", "company": "  ", "extra": "ignored", FormDefinition.honeypotFieldName: "x"])
        #expect(text == "Name: Ana")
    }

    @Test func aLabelWithLineBreaksStaysOnOneLine() {
        let odd = FormDefinition(channelId: "c", name: "F", fields: [FormField(name: "q", label: "Your\nquestion")])
        #expect(FormMessage.text(definition: odd, values: ["q": "Why?"]) == "Your question: Why?")
    }
}
