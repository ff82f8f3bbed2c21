/// The first message of the conversation a form submission opens: the answers as the agent reads them.
public enum FormMessage {
    /// `Label: value` lines in definition order, skipping empty fields. A multi-line value starts on the line
    /// after `Label:` with every line indented by two spaces, so it cannot be mistaken for another field.
    public static func text(definition: FormDefinition, values: [String: String]) -> String {
        var lines: [String] = []
        for field in definition.fields {
            guard let raw = values[field.name] else { continue }
            let value = FormValidator.normalised(raw)
            guard !value.isEmpty else { continue }
            // A label is one line by construction of the form, but definitions come from an API.
            let label = field.label.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingWhitespace()
            let valueLines = value.split(separator: "\n", omittingEmptySubsequences: false)
            if valueLines.count == 1 {
                lines.append("\(label): \(value)")
            } else {
                lines.append("\(label):")
                lines.append(contentsOf: valueLines.map { $0.isEmpty ? "" : "  " + $0 })
            }
        }
        return lines.joined(separator: "\n")
    }
}
