/// Splits a reply longer than Messenger's per-message limit into several messages.
///
/// Lengths are counted in UTF-16 code units, which is never less than the number of characters however Meta
/// counts, so no chunk is refused for length. Cuts fall after the last white space that fits, or else on a
/// grapheme boundary, so no word is broken when avoidable and no emoji or accented letter is ever split.
public enum MessengerTextSplitter {
    /// The chunks of `text`, each at most `limit` UTF-16 code units, in order, each without leading or
    /// trailing white space (Messenger trims it anyway). Empty or white-space-only text gives no chunks.
    public static func split(_ text: String, limit: Int = MessengerSendAPI.maximumTextLength) -> [String] {
        precondition(limit > 0, "the limit must be positive")
        var chunks: [String] = []
        var rest = Substring(text)
        func appendTrimmed(_ chunk: Substring) {
            guard let first = chunk.firstIndex(where: { !$0.isWhitespace }),
                let last = chunk.lastIndex(where: { !$0.isWhitespace })
            else { return }
            chunks.append(String(chunk[first...last]))
        }

        while rest.utf16.count > limit {
            var units = 0
            var index = rest.startIndex
            var lastWhitespace: String.Index?
            while index < rest.endIndex {
                let character = rest[index]
                let width = character.utf16.count
                if units + width > limit {
                    // A cut right before white space is as good as a cut at it.
                    if character.isWhitespace { lastWhitespace = index }
                    break
                }
                if character.isWhitespace { lastWhitespace = index }
                units += width
                index = rest.index(after: index)
            }
            if index == rest.startIndex {
                // One grapheme cluster wider than the limit (a pathological run of combining marks): only here
                // is it cut between scalars, the lesser harm than sending nothing.
                let scalars = rest.unicodeScalars
                var end = scalars.startIndex
                var width = 0
                while end < scalars.endIndex, width + scalars[end].utf16.count <= limit {
                    width += scalars[end].utf16.count
                    end = scalars.index(after: end)
                }
                if end == scalars.startIndex { end = scalars.index(after: end) }
                chunks.append(String(scalars[..<end]))
                rest = Substring(scalars[end...])
                continue
            }
            if let lastWhitespace, lastWhitespace > rest.startIndex,
                rest[rest.startIndex..<lastWhitespace].contains(where: { !$0.isWhitespace })
            {
                appendTrimmed(rest[..<lastWhitespace])
                rest = rest[lastWhitespace...]
            } else {
                appendTrimmed(rest[..<index])
                rest = rest[index...]
            }
            rest = rest.drop(while: \.isWhitespace)
        }
        appendTrimmed(rest)
        return chunks
    }
}
