/// One input of a web form, as defined when the form channel is created.
public struct FormField: Sendable, Hashable, Codable {
    /// How the field is entered and checked.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// One line of text.
        case text
        /// An email address: checked, normalised, and used as the submitter's address.
        case email
        /// Several lines of text.
        case textarea
    }

    /// The key in the submission, `[A-Za-z][A-Za-z0-9_-]{0,63}`.
    public var name: String
    /// What the visitor reads next to the input.
    public var label: String
    /// Whether an empty value is refused.
    public var required: Bool
    /// How the field is entered.
    public var kind: Kind

    /// Creates a field; without a `kind`, a field named `email` is an email field and any other a text field.
    public init(name: String, label: String, required: Bool = false, kind: Kind? = nil) {
        self.name = name
        self.label = label
        self.required = required
        self.kind = kind ?? Self.defaultKind(forName: name)
    }

    /// `email` for a field named `email` (any case), otherwise `text`.
    public static func defaultKind(forName name: String) -> Kind {
        name.lowercased() == "email" ? .email : .text
    }

    private enum CodingKeys: String, CodingKey { case name, label, required, kind }

    /// Decodes the channel-creation API's `{name, label, required?, kind?}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try container.decode(String.self, forKey: .name),
            label: try container.decode(String.self, forKey: .label),
            required: try container.decodeIfPresent(Bool.self, forKey: .required) ?? false,
            kind: try container.decodeIfPresent(Kind.self, forKey: .kind))
    }
}
