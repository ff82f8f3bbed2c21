import Foundation

/// Builds Send API requests as Meta documents them: `POST /{page-id}/messages` with the page access token in
/// the `access_token` query parameter and a JSON body naming the recipient by PSID.
///
/// The current reference uses `/{PAGE-ID}/messages`; `/me/messages` (the page the token belongs to) still works
/// but the explicit page id makes a token/page mix-up fail loudly instead of sending from the wrong page.
/// Replies are `messaging_type: RESPONSE`, allowed within the 24-hour window (see ``MessagingWindow``).
public struct MessengerSendAPI: Sendable {
    /// Where the Graph API lives and which version to call.
    public struct Configuration: Sendable, Hashable {
        /// Scheme and host (and optional path prefix), for example `https://graph.facebook.com`; tests point it
        /// at a local fake.
        public var graphBaseURL: String
        /// The Graph API version path segment, for example `v25.0`.
        public var apiVersion: String

        /// Creates a configuration; the defaults are Meta's production Graph API.
        public init(graphBaseURL: String = "https://graph.facebook.com", apiVersion: String = "v25.0") {
            self.graphBaseURL = graphBaseURL
            self.apiVersion = apiVersion
        }
    }

    /// Why no request could be built; these are programming or configuration errors, never worth retrying.
    public enum BuildError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The base URL is not an absolute http(s) URL.
        case invalidGraphBaseURL(String)
        /// A page id, PSID or access token is empty.
        case missingValue(String)
        /// Neither text nor attachments.
        case emptyMessage
        /// An attachment URL is not an absolute http(s) URL.
        case invalidAttachmentURL(String)

        /// A sentence for logs; never contains the token.
        public var description: String {
            switch self {
            case .invalidGraphBaseURL(let url): return "the Graph base URL \"\(url)\" is not an http(s) URL"
            case .missingValue(let name): return "\(name) is empty"
            case .emptyMessage: return "a Messenger reply needs text or attachments"
            case .invalidAttachmentURL(let url): return "the attachment URL \"\(url)\" is not an http(s) URL"
            }
        }
    }

    /// Messenger's limit on the text of one message.
    public static let maximumTextLength = 2000

    /// The Graph endpoint and version.
    public var configuration: Configuration

    /// Creates a request builder.
    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// The requests that send a reply: the text split into as many messages as the 2000-character limit needs,
    /// then one message per attachment, in the order they must be sent.
    public func requests(
        pageId: String, pageAccessToken: String, recipientPSID: String, text: String?,
        attachments: [MessengerOutboundAttachment] = []
    ) throws(BuildError) -> [MessengerSendRequest] {
        let chunks = MessengerTextSplitter.split(text ?? "", limit: Self.maximumTextLength)
        guard !chunks.isEmpty || !attachments.isEmpty else { throw .emptyMessage }
        let url = try endpoint(pageId: pageId, pageAccessToken: pageAccessToken)
        guard !recipientPSID.isEmpty else { throw .missingValue("the recipient PSID") }

        var requests: [MessengerSendRequest] = []
        for chunk in chunks {
            requests.append(request(url: url, recipientPSID: recipientPSID, message: .init(text: chunk)))
        }
        for attachment in attachments {
            guard Self.isHTTPURL(attachment.url) else { throw .invalidAttachmentURL(attachment.url) }
            let payload = Body.Attachment(
                type: attachment.kind.rawValue, payload: .init(url: attachment.url, isReusable: true))
            requests.append(request(url: url, recipientPSID: recipientPSID, message: .init(attachment: payload)))
        }
        return requests
    }

    /// `{graphBaseURL}/{apiVersion}/{pageId}/messages?access_token={token}`, every segment percent-encoded.
    public func endpoint(pageId: String, pageAccessToken: String) throws(BuildError) -> URL {
        guard !pageId.isEmpty else { throw .missingValue("the page id") }
        guard !pageAccessToken.isEmpty else { throw .missingValue("the page access token") }
        guard !configuration.apiVersion.isEmpty else { throw .missingValue("the Graph API version") }
        guard Self.isHTTPURL(configuration.graphBaseURL),
            var components = URLComponents(string: configuration.graphBaseURL),
            components.query == nil, components.fragment == nil
        else { throw .invalidGraphBaseURL(configuration.graphBaseURL) }
        var base = components.percentEncodedPath
        while base.hasSuffix("/") { base.removeLast() }
        components.percentEncodedPath =
            base + "/" + Self.encoded(configuration.apiVersion) + "/" + Self.encoded(pageId) + "/messages"
        components.percentEncodedQuery = "access_token=" + Self.encoded(pageAccessToken)
        guard let url = components.url else { throw .invalidGraphBaseURL(configuration.graphBaseURL) }
        return url
    }

    private func request(url: URL, recipientPSID: String, message: Body.Message) -> MessengerSendRequest {
        let body = Body(recipient: .init(id: recipientPSID), messagingType: "RESPONSE", message: message)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain structs of strings cannot fail.
        let bytes = (try? encoder.encode(body)).map(Array.init) ?? []
        return MessengerSendRequest(
            method: "POST", url: url, headers: ["Content-Type": "application/json"], body: bytes)
    }

    /// The Send API body; field names are Meta's.
    private struct Body: Encodable {
        struct Recipient: Encodable { var id: String }
        struct Message: Encodable {
            var text: String?
            var attachment: Attachment?
        }
        struct Attachment: Encodable {
            var type: String
            var payload: Payload
        }
        struct Payload: Encodable {
            var url: String
            var isReusable: Bool
            enum CodingKeys: String, CodingKey {
                case url
                case isReusable = "is_reusable"
            }
        }
        var recipient: Recipient
        var messagingType: String
        var message: Message
        enum CodingKeys: String, CodingKey {
            case recipient, message
            case messagingType = "messaging_type"
        }
    }

    static func isHTTPURL(_ string: String) -> Bool {
        guard let components = URLComponents(string: string), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { return false }
        return true
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters, so a token with `+`, `/` or `=` survives.
    static func encoded(_ value: String) -> String {
        var result = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF".unicodeScalars)
                result.unicodeScalars.append("%")
                result.unicodeScalars.append(digits[Int(byte >> 4)])
                result.unicodeScalars.append(digits[Int(byte & 0x0f)])
            }
        }
        return result
    }
}
