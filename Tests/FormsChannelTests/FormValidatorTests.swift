import FormsChannel
import Testing

@Suite struct FormValidatorTests {
    let contact = FormDefinition(
        channelId: "ch_1", name: "Contact",
        fields: [
            FormField(name: "name", label: "Your name", required: true),
            FormField(name: "email", label: "Email", required: true),
            FormField(name: "company", label: "Company"),
            FormField(name: "message", label: "Message", required: true, kind: .textarea),
        ])

    func problems(_ result: FormValidator.Result) -> [FormFieldProblem] {
        if case .rejected(let problems) = result { return problems }
        Issue.record("expected a rejection, got \(result)")
        return []
    }

    @Test func aCompleteSubmissionIsAcceptedWithNormalisedValues() throws {
        let result = FormValidator.validate(
            definition: contact,
            values: ["name": "  Ana Lima ", "email": " Ana@Example.COM ", "message": "Hi\r\nthere\r\n", "company": ""])
        #expect(
            result
                == .accepted(
                    AcceptedSubmission(
                        values: ["name": "Ana Lima", "email": "ana@example.com", "message": "Hi\nthere"],
                        email: "ana@example.com", name: "Ana Lima")))
    }

    @Test func missingAndBlankRequiredFieldsAreReportedInDefinitionOrder() {
        let found = problems(FormValidator.validate(definition: contact, values: ["email": "ana@example.com", "name": " \n "]))
        #expect(found.map(\.field) == ["name", "message"])
        #expect(found.map(\.code) == [.required, .required])
        #expect(found.first?.message == "Your name is required")
    }

    @Test(arguments: ["ana", "ana@", "@example.com", "ana@example", "ana @example.com", "a@b@example.com"])
    func anInvalidEmailIsReported(email: String) {
        let found = problems(
            FormValidator.validate(definition: contact, values: ["name": "Ana", "email": email, "message": "Hi"]))
        #expect(found.map(\.code) == [.invalidEmail])
        #expect(found.map(\.field) == ["email"])
    }

    @Test func valuesLongerThanTheLimitAreReported() {
        let long = String(repeating: "x", count: FormValidator.maximumValueLength + 1)
        let found = problems(
            FormValidator.validate(definition: contact, values: ["name": "Ana", "email": "a@example.com", "message": long]))
        #expect(found.map(\.code) == [.tooLong])
        let atLimit = String(repeating: "x", count: FormValidator.maximumValueLength)
        guard case .accepted = FormValidator.validate(
            definition: contact, values: ["name": "Ana", "email": "a@example.com", "message": atLimit])
        else {
            Issue.record("a value at the limit is accepted")
            return
        }
    }

    @Test func fieldsOutsideTheDefinitionAreRefused() {
        let found = problems(
            FormValidator.validate(
                definition: contact,
                values: ["name": "Ana", "email": "a@example.com", "message": "Hi", "zeta": "1", "admin": "true"]))
        #expect(found.map(\.field) == ["admin", "zeta"])
        #expect(found.map(\.code) == [.unknownField, .unknownField])
    }

    @Test func anEmptyHoneypotIsAllowedAndNeverStored() throws {
        let result = FormValidator.validate(
            definition: contact,
            values: ["name": "Ana", "email": "a@example.com", "message": "Hi", FormDefinition.honeypotFieldName: ""])
        guard case .accepted(let submission) = result else {
            Issue.record("expected acceptance, got \(result)")
            return
        }
        #expect(submission.values[FormDefinition.honeypotFieldName] == nil)
    }

    @Test func aFilledHoneypotDropsTheSubmissionWhateverElseIsWrong() {
        #expect(
            FormValidator.validate(
                definition: contact,
                values: ["name": "Ana", "email": "a@example.com", "message": "Hi", FormDefinition.honeypotFieldName: "http://spam"])
                == .dropped)
        #expect(
            FormValidator.validate(definition: contact, values: [FormDefinition.honeypotFieldName: "x", "junk": "1"])
                == .dropped)
    }

    @Test func withoutEmailOrNameFieldsTheSubmitterIsAnonymous() {
        let feedback = FormDefinition(
            channelId: "ch_2", name: "Feedback", fields: [FormField(name: "comment", label: "Comment", required: true)])
        #expect(
            FormValidator.validate(definition: feedback, values: ["comment": "Great"])
                == .accepted(AcceptedSubmission(values: ["comment": "Great"], email: nil, name: nil)))
    }

    @Test func theFieldNamedEmailIsTheSubmittersAddressOverOtherEmailFields() throws {
        let referral = FormDefinition(
            channelId: "ch_3", name: "Refer",
            fields: [
                FormField(name: "friend", label: "Friend's email", kind: .email),
                FormField(name: "email", label: "Your email"),
            ])
        guard case .accepted(let both) = FormValidator.validate(
            definition: referral, values: ["friend": "bo@example.com", "email": "ana@example.com"])
        else {
            Issue.record("expected acceptance")
            return
        }
        #expect(both.email == "ana@example.com")
        guard case .accepted(let friendOnly) = FormValidator.validate(
            definition: referral, values: ["friend": "Bo@Example.com"])
        else {
            Issue.record("expected acceptance")
            return
        }
        #expect(friendOnly.email == "bo@example.com")
    }

    @Test func anOptionalEmailFieldLeftEmptyIsFine() {
        let form = FormDefinition(
            channelId: "ch_4", name: "Q", fields: [FormField(name: "email", label: "Email"), FormField(name: "q", label: "Q")])
        #expect(
            FormValidator.validate(definition: form, values: ["email": "", "q": "Why?"])
                == .accepted(AcceptedSubmission(values: ["q": "Why?"], email: nil, name: nil)))
    }
}
