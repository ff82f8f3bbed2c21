/// A web form channel's form: its name and fields in display order.
public struct FormDefinition: Sendable, Hashable, Codable {
    /// The hidden field bots fill in and people never see; a submission with it non-empty is dropped.
    public static let honeypotFieldName = "website_url"
    /// The most fields one form may have.
    public static let maximumFieldCount = 50
    /// The longest label or form name accepted.
    public static let maximumLabelLength = 200

    /// The channel this form belongs to.
    public var channelId: String
    /// The form's title, shown above the fields.
    public var name: String
    /// The fields, in display order.
    public var fields: [FormField]

    /// Creates a definition (not validated: call ``problems()``).
    public init(channelId: String, name: String, fields: [FormField]) {
        self.channelId = channelId
        self.name = name
        self.fields = fields
    }

    /// The field with this name, if any.
    public func field(named name: String) -> FormField? {
        fields.first { $0.name == name }
    }

    /// Everything wrong with the definition, for the channel-creation API's 400 answer; empty when valid.
    ///
    /// `field` paths name the offending input: `name`, `fields`, `fields[2].name`, `fields[2].label`.
    public func problems() -> [FormDefinitionProblem] {
        var problems: [FormDefinitionProblem] = []
        if name.trimmingWhitespace().isEmpty {
            problems.append(.init(field: "name", code: .required, message: "the form needs a name"))
        } else if name.count > Self.maximumLabelLength {
            problems.append(
                .init(field: "name", code: .tooLong, message: "at most \(Self.maximumLabelLength) characters"))
        }
        if fields.isEmpty {
            problems.append(.init(field: "fields", code: .required, message: "the form needs at least one field"))
        } else if fields.count > Self.maximumFieldCount {
            problems.append(
                .init(
                    field: "fields", code: .tooMany,
                    message: "at most \(Self.maximumFieldCount) fields (got \(fields.count))"))
        }
        var seen = Set<String>()
        for (index, field) in fields.enumerated() {
            let path = "fields[\(index)]"
            if !Self.isValidFieldName(field.name) {
                problems.append(
                    .init(
                        field: path + ".name", code: .invalidName,
                        message: "a field name starts with a letter, then up to 63 letters, digits, _ or -"))
            } else if field.name == Self.honeypotFieldName {
                problems.append(
                    .init(
                        field: path + ".name", code: .reserved,
                        message: "\"\(Self.honeypotFieldName)\" is reserved for spam protection"))
            } else if !seen.insert(field.name).inserted {
                problems.append(
                    .init(field: path + ".name", code: .duplicate, message: "\"\(field.name)\" is used twice"))
            }
            if field.label.trimmingWhitespace().isEmpty {
                problems.append(.init(field: path + ".label", code: .required, message: "the field needs a label"))
            } else if field.label.count > Self.maximumLabelLength {
                problems.append(
                    .init(
                        field: path + ".label", code: .tooLong,
                        message: "at most \(Self.maximumLabelLength) characters"))
            }
        }
        return problems
    }

    /// True for `[A-Za-z][A-Za-z0-9_-]{0,63}`: safe in HTML ids, URLs and JSON keys without escaping.
    public static func isValidFieldName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 64, first.isASCIILetter else { return false }
        return bytes.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }
}

/// One thing wrong with a form definition.
public struct FormDefinitionProblem: Sendable, Hashable {
    /// Machine-readable reasons.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        case required
        case invalidName = "invalid_name"
        case duplicate
        case reserved
        case tooMany = "too_many"
        case tooLong = "too_long"
    }

    /// Where: `name`, `fields` or `fields[i].name` / `fields[i].label`.
    public var field: String
    /// What kind of problem.
    public var code: Code
    /// A sentence for the person configuring the channel.
    public var message: String

    /// Creates a problem.
    public init(field: String, code: Code, message: String) {
        self.field = field
        self.code = code
        self.message = message
    }
}

extension UInt8 {
    var isASCIILetter: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
    }
    var isASCIIDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
}

extension StringProtocol {
    /// Without leading and trailing white space and newlines (Foundation-free, for every Unicode space).
    func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(self[first...last])
    }
}
