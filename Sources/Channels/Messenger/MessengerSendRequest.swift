import Foundation

/// One HTTP request for the Send API, built here and performed by whichever HTTP client the server uses.
public struct MessengerSendRequest: Sendable, Hashable {
    /// Always `POST`.
    public var method: String
    /// `{graphBaseURL}/{apiVersion}/{page-id}/messages?access_token=...`. Contains the page access token:
    /// log ``redactedURL`` instead.
    public var url: URL
    /// `Content-Type: application/json`.
    public var headers: [String: String]
    /// The JSON body.
    public var body: [UInt8]

    /// Creates a request.
    public init(method: String, url: URL, headers: [String: String], body: [UInt8]) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The URL with the access token replaced by `REDACTED`, safe for logs.
    public var redactedURL: String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "(unparsable)" }
        components.percentEncodedQueryItems = components.percentEncodedQueryItems?.map { item in
            item.name == "access_token" ? URLQueryItem(name: item.name, value: "REDACTED") : item
        }
        return components.string ?? "(unparsable)"
    }
}

/// A file to send as a Messenger attachment: Meta downloads it from `url`, which must be reachable publicly.
public struct MessengerOutboundAttachment: Sendable, Hashable {
    /// The attachment types the Send API accepts for files given by URL.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case image, video, audio, file

        /// The kind for a MIME type: `image/*`, `video/*` and `audio/*` map to their kind, anything else is sent
        /// as a file.
        public init(mediaType: String) {
            let top = mediaType.split(separator: "/", maxSplits: 1).first.map { $0.lowercased() } ?? ""
            self = Kind(rawValue: top).flatMap { $0 == .file ? nil : $0 } ?? .file
        }
    }

    /// How Messenger shows it.
    public var kind: Kind
    /// Where Meta fetches it (http or https).
    public var url: String

    /// Creates an attachment.
    public init(kind: Kind, url: String) {
        self.kind = kind
        self.url = url
    }
}
