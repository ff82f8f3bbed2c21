/// Renders a form as a complete HTML page that works on its own: inline CSS, no scripts, no downloads, so it
/// can be served as is or embedded in an iframe.
public enum FormRenderer {
    /// The page for `definition`, posting to `action` (for example `/forms/ch_123`) as URL-encoded UTF-8.
    ///
    /// Every label has a `for` tied to its input's id; required fields carry `required`; email fields are
    /// `type="email"`; textarea fields are `<textarea>`; the honeypot sits off-screen, out of the tab order,
    /// hidden from assistive technology and from autofill. All text from the definition is HTML-escaped.
    public static func html(definition: FormDefinition, action: String) -> String {
        let title = escape(definition.name)
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title)</title>
            <style>
            \(style)
            </style>
            </head>
            <body>
            <main>
            <form method="post" action="\(escape(action))" accept-charset="utf-8" enctype="application/x-www-form-urlencoded">
            <h1>\(title)</h1>

            """
        for field in definition.fields {
            html += fieldHTML(field)
        }
        let trap = escape(FormDefinition.honeypotFieldName)
        html += """
            <div class="sb-trap" aria-hidden="true">
            <label for="sb-field-\(trap)">Leave this field empty</label>
            <input type="text" id="sb-field-\(trap)" name="\(trap)" value="" tabindex="-1" autocomplete="off">
            </div>
            <button type="submit">Send</button>
            </form>
            </main>
            </body>
            </html>

            """
        return html
    }

    private static func fieldHTML(_ field: FormField) -> String {
        let name = escape(field.name)
        let id = "sb-field-\(name)"
        let required = field.required ? " required" : ""
        let marker = field.required ? "<span class=\"sb-required\" aria-hidden=\"true\"> *</span>" : ""
        let limit = " maxlength=\"\(FormValidator.maximumValueLength)\""
        let input: String
        switch field.kind {
        case .text:
            input = "<input type=\"text\" id=\"\(id)\" name=\"\(name)\"\(limit)\(required)>"
        case .email:
            input = "<input type=\"email\" id=\"\(id)\" name=\"\(name)\" autocomplete=\"email\"\(limit)\(required)>"
        case .textarea:
            input = "<textarea id=\"\(id)\" name=\"\(name)\" rows=\"6\"\(limit)\(required)></textarea>"
        }
        return """
            <div class="sb-field">
            <label for="\(id)">\(escape(field.label))\(marker)</label>
            \(input)
            </div>

            """
    }

    /// Escapes the five characters that matter in HTML text and in quoted attribute values.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    // Positioned off-screen rather than `display: none`, which some bots detect and skip.
    private static let style = """
        body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#fff}
        main{max-width:36rem;margin:0 auto;padding:1.5rem}
        h1{font-size:1.4rem;margin:0 0 1rem}
        .sb-field{margin:0 0 1rem}
        label{display:block;font-weight:600;margin:0 0 .25rem}
        input,textarea{box-sizing:border-box;width:100%;padding:.5rem;font:inherit;border:1px solid #8c959f;border-radius:6px}
        input:focus,textarea:focus{outline:2px solid #0969da;outline-offset:1px}
        .sb-required{color:#cf222e}
        .sb-trap{position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden}
        button{padding:.6rem 1.2rem;font:inherit;color:#fff;background:#0969da;border:0;border-radius:6px;cursor:pointer}
        """
}
