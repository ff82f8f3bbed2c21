import Foundation

/// An inbox's email filters (API.md `PUT /inboxes/{id}/email-filters`): what never becomes a conversation.
public struct EmailFilters: Codable, Sendable, Equatable {
    /// Why a message was filtered.
    public enum Reason: String, Codable, Sendable, CaseIterable {
        case blockedSender = "blocked_sender"
        case blockedDomain = "blocked_domain"
        /// RFC 3834 `Auto-Submitted`, `Precedence: bulk|junk|list`, `X-Autoreply`, or a bounce (null sender, DSN).
        case automatic = "auto_reply"
    }

    /// Lowercased addresses.
    public var blockedSenders: [String]
    /// Lowercased domains; a blocked domain blocks its subdomains too.
    public var blockedDomains: [String]
    public var dropAutoReplies: Bool

    /// The filters of a new inbox: nothing blocked, automatic replies dropped (answering them starts mail loops).
    public init(blockedSenders: [String] = [], blockedDomains: [String] = [], dropAutoReplies: Bool = true) {
        self.blockedSenders = blockedSenders
        self.blockedDomains = blockedDomains
        self.dropAutoReplies = dropAutoReplies
    }

    /// Why a message from `sender` is filtered, or nil when it goes through. `isAutomatic` is what its headers
    /// or envelope say (an auto-reply, a bounce).
    public func verdict(sender: String?, isAutomatic: Bool) -> Reason? {
        if let sender = sender.map(EmailAddress.normalize) {
            if blockedSenders.contains(sender) { return .blockedSender }
            if let at = sender.lastIndex(of: "@") {
                let domain = sender[sender.index(after: at)...]
                if blockedDomains.contains(where: { domain == $0 || domain.hasSuffix("." + $0) }) { return .blockedDomain }
            }
        }
        return isAutomatic && dropAutoReplies ? .automatic : nil
    }

    /// The most entries each list takes.
    public static let maxEntries = 5_000

    public enum Invalid: Error, Sendable, Equatable {
        case notAnAddress(String)
        case notADomain(String)
        case tooMany
    }

    /// The filters as stored: lowercased, without duplicates, checked.
    public static func normalized(
        blockedSenders: [String], blockedDomains: [String], dropAutoReplies: Bool
    ) throws(Invalid) -> EmailFilters {
        guard blockedSenders.count <= maxEntries, blockedDomains.count <= maxEntries else { throw .tooMany }
        var senders: [String] = []
        for sender in blockedSenders.map(EmailAddress.normalize) where !senders.contains(sender) {
            guard EmailAddress.isValid(sender) else { throw .notAnAddress(sender) }
            senders.append(sender)
        }
        var domains: [String] = []
        for raw in blockedDomains {
            var domain = raw.trimmingCharacters(in: .whitespaces).lowercased()
            if domain.hasPrefix("@") { domain.removeFirst() }
            guard EmailAddress.isValid("x@" + domain) else { throw .notADomain(raw) }
            if !domains.contains(domain) { domains.append(domain) }
        }
        return EmailFilters(blockedSenders: senders, blockedDomains: domains, dropAutoReplies: dropAutoReplies)
    }
}
