/// Finds `@<userId>` and `@<email>` mentions in a comment.
public enum Mentions {
    /// The distinct tokens after `@` in `text`, in order of first appearance. A token runs to the next white
    /// space or to punctuation that cannot end an id or an email (`,;:!?)`, and a final `.`).
    public static func tokens(in text: String) -> [String] {
        var found: [String] = []
        var index = text.startIndex
        while let at = text[index...].firstIndex(of: "@") {
            // An @ inside a word (like ana@example.com written plainly) is not a mention.
            if at > text.startIndex, let before = text[text.index(before: at)...].first, !before.isWhitespace,
                !"([{\"'".contains(before)
            {
                index = text.index(after: at)
                continue
            }
            var end = text.index(after: at)
            while end < text.endIndex, !text[end].isWhitespace, !",;:!?)]}\"'<>".contains(text[end]) {
                end = text.index(after: end)
            }
            var token = text[text.index(after: at)..<end]
            while token.last == "." { token = token.dropLast() }
            if !token.isEmpty, !found.contains(String(token)) { found.append(String(token)) }
            index = end
        }
        return found
    }
}
