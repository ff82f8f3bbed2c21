import InboxCore

/// Checks a parsed submission against its form definition.
public enum FormValidator {
    /// The longest value one field may hold, in characters.
    public static let maximumValueLength = 10_000

    /// The verdict on a submission.
    public enum Result: Sendable, Hashable {
        /// Store it: a new conversation starts with these values.
        case accepted(AcceptedSubmission)
        /// Refuse it (400) with every problem found, in definition order, unknown fields last.
        case rejected([FormFieldProblem])
        /// A bot filled in the honeypot: answer as if accepted, store nothing, so it learns nothing.
        case dropped
    }

    /// Validates `values` (from ``FormSubmission/parse(body:contentType:)``) against `definition`.
    ///
    /// Values are trimmed and their line breaks normalised to `\n`; an empty value counts as missing. Email
    /// values are normalised with ``EmailAddress/normalize(_:)``.
    public static func validate(definition: FormDefinition, values: [String: String]) -> Result {
        // Checked first: a bot must get the same answer whatever else it got wrong.
        if let trap = values[FormDefinition.honeypotFieldName], !trap.trimmingWhitespace().isEmpty {
            return .dropped
        }
        var problems: [FormFieldProblem] = []
        var accepted: [String: String] = [:]
        for field in definition.fields {
            let value = normalised(values[field.name] ?? "")
            if value.isEmpty {
                if field.required {
                    problems.append(.init(field: field.name, code: .required, message: "\(field.label) is required"))
                }
                continue
            }
            if value.count > maximumValueLength {
                problems.append(
                    .init(
                        field: field.name, code: .tooLong,
                        message: "\(field.label) must be at most \(maximumValueLength) characters"))
                continue
            }
            if field.kind == .email {
                guard EmailAddress.isValid(value) else {
                    problems.append(
                        .init(
                            field: field.name, code: .invalidEmail,
                            message: "\(field.label) is not a valid email address"))
                    continue
                }
                accepted[field.name] = EmailAddress.normalize(value)
            } else {
                accepted[field.name] = value
            }
        }
        let known = Set(definition.fields.map(\.name)).union([FormDefinition.honeypotFieldName])
        for name in values.keys.sorted() where !known.contains(name) {
            problems.append(.init(field: name, code: .unknownField, message: "this form has no field \"\(name)\""))
        }
        guard problems.isEmpty else { return .rejected(problems) }

        // The field literally named `email` wins over other email fields (a "colleague's email", say).
        let emailField = definition.fields.first { $0.kind == .email && $0.name == "email" && accepted[$0.name] != nil }
            ?? definition.fields.first { $0.kind == .email && accepted[$0.name] != nil }
        return .accepted(
            AcceptedSubmission(
                values: accepted, email: emailField.flatMap { accepted[$0.name] }, name: accepted["name"]))
    }

    /// Trimmed, with `\r\n` and lone `\r` turned into `\n`.
    static func normalised(_ value: String) -> String {
        value.replacingCRLF().trimmingWhitespace()
    }
}

/// A submission that passed validation.
public struct AcceptedSubmission: Sendable, Hashable {
    /// The non-empty values by field name, normalised; only fields of the definition (never the honeypot).
    public var values: [String: String]
    /// The submitter's address, from the email field, when one was filled in; normalised.
    public var email: String?
    /// The submitter's name, from a field named `name`, when filled in.
    public var name: String?

    /// Creates an accepted submission.
    public init(values: [String: String], email: String?, name: String?) {
        self.values = values
        self.email = email
        self.name = name
    }
}

/// One thing wrong with one submitted field.
public struct FormFieldProblem: Sendable, Hashable {
    /// Machine-readable reasons, as API.md's error body carries them.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        case required
        case invalidEmail = "invalid_email"
        case tooLong = "too_long"
        case unknownField = "unknown_field"
    }

    /// The field's name.
    public var field: String
    /// What is wrong.
    public var code: Code
    /// A sentence for the visitor, using the field's label.
    public var message: String

    /// Creates a problem.
    public init(field: String, code: Code, message: String) {
        self.field = field
        self.code = code
        self.message = message
    }
}

extension String {
    /// `\r\n` and lone `\r` as `\n`. (`"\r\n"` is one Character in Swift, so this works on scalars.)
    func replacingCRLF() -> String {
        guard unicodeScalars.contains("\r") else { return self }
        var result = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in unicodeScalars {
            if scalar == "\r" {
                result.append("\n")
                previousWasCR = true
            } else {
                if !(scalar == "\n" && previousWasCR) { result.append(scalar) }
                previousWasCR = false
            }
        }
        return String(result)
    }
}
