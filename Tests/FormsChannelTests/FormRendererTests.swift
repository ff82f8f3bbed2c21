import Foundation
import FormsChannel
import Testing

@Suite struct FormRendererTests {
    let form = FormDefinition(
        channelId: "ch_1", name: "Contact <Support> & \"Sales\"",
        fields: [
            FormField(name: "name", label: "Name", required: true),
            FormField(name: "email", label: "Email", required: true),
            FormField(name: "message", label: "<script>alert('x')</script> \"Message\"", kind: .textarea),
        ])

    var html: String { FormRenderer.html(definition: form, action: "/forms/ch_1?a=1&b=\"2\"") }

    @Test func thePageIsACompleteDocumentWithNoExternalResources() {
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<meta charset=\"utf-8\">"))
        #expect(html.contains("<style>"))
        #expect(html.hasSuffix("</html>\n"))
        for external in ["<script", "<link", "src=", "http://", "https://", "@import", "url("] {
            #expect(!html.contains(external), "\(external)")
        }
    }

    @Test func everythingFromTheDefinitionIsEscaped() {
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;Message&quot;"))
        #expect(html.contains("<title>Contact &lt;Support&gt; &amp; &quot;Sales&quot;</title>"))
        #expect(html.contains("action=\"/forms/ch_1?a=1&amp;b=&quot;2&quot;\""))
    }

    @Test func theFormPostsURLEncodedUTF8() {
        #expect(html.contains("method=\"post\""))
        #expect(html.contains("enctype=\"application/x-www-form-urlencoded\""))
        #expect(html.contains("accept-charset=\"utf-8\""))
    }

    @Test func labelsAreTiedToTheirInputsWithTheRightTypes() {
        #expect(html.contains("<label for=\"sb-field-name\">Name"))
        #expect(html.contains("<input type=\"text\" id=\"sb-field-name\" name=\"name\" maxlength=\"10000\" required>"))
        #expect(html.contains("<label for=\"sb-field-email\">Email"))
        #expect(html.contains("<input type=\"email\" id=\"sb-field-email\" name=\"email\" autocomplete=\"email\" maxlength=\"10000\" required>"))
        #expect(html.contains("<label for=\"sb-field-message\">"))
        #expect(html.contains("<textarea id=\"sb-field-message\" name=\"message\" rows=\"6\" maxlength=\"10000\"></textarea>"))
    }

    @Test func fieldsAppearInDefinitionOrder() throws {
        let name = try #require(html.range(of: "name=\"name\""))
        let email = try #require(html.range(of: "name=\"email\""))
        let message = try #require(html.range(of: "name=\"message\""))
        #expect(name.lowerBound < email.lowerBound && email.lowerBound < message.lowerBound)
    }

    @Test func theHoneypotIsHiddenFromPeopleKeyboardsAndAutofill() throws {
        let trap = FormDefinition.honeypotFieldName
        #expect(html.contains("<div class=\"sb-trap\" aria-hidden=\"true\">"))
        #expect(
            html.contains("<input type=\"text\" id=\"sb-field-\(trap)\" name=\"\(trap)\" value=\"\" tabindex=\"-1\" autocomplete=\"off\">"))
        #expect(html.contains(".sb-trap{position:absolute;left:-10000px"))
        let trapInput = try #require(html.range(of: "name=\"\(trap)\""))
        let submit = try #require(html.range(of: "<button type=\"submit\">"))
        #expect(trapInput.lowerBound < submit.lowerBound)
    }

    @Test func optionalFieldsAreNotRequired() {
        let optional = FormDefinition(channelId: "c", name: "F", fields: [FormField(name: "q", label: "Q")])
        let page = FormRenderer.html(definition: optional, action: "/forms/c")
        #expect(page.contains("<input type=\"text\" id=\"sb-field-q\" name=\"q\" maxlength=\"10000\">"))
        #expect(!page.contains(" required"))
    }

    @Test func escapeCoversTheFiveHTMLSpecialCharacters() {
        #expect(FormRenderer.escape(#"<a href="x" title='y'>&</a>"#) == "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;")
        #expect(FormRenderer.escape("plain café") == "plain café")
    }
}
