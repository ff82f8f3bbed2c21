import Foundation

/// Deciders for users, teams, inboxes and channels. Each answers the atomic append that carries out a command;
/// uniqueness (user emails, inbox addresses) is a `noStream` claim inside that append, so the log enforces it.
public enum Directory {
    /// A command's values are not acceptable.
    public struct Invalid: Error, Sendable, Equatable {
        public var field: String
        public var reason: String

        public init(_ field: String, _ reason: String) {
            self.field = field
            self.reason = reason
        }
    }

    /// Channel types an inbox can connect.
    public static let channelTypes: Set<String> = ["email", "chat", "messenger", "form", "custom"]

    public static func registerUser(
        userId: String, name: String, email: String, role: Role, by actor: ActorRef
    ) throws(Invalid) -> AppendBatch {
        let name = try requireName(name, field: "name")
        let email = EmailAddress.normalize(email)
        guard EmailAddress.isValid(email) else { throw Invalid("email", "is not an email address") }
        let stream = UserEvent.stream(userId)
        let events: [ProposedEvent] = [
            UserEvent.registered(.init(userId: userId, name: name, email: email, role: role)).proposed(to: stream, by: actor),
            UserEvent.emailClaimed(.init(userId: userId, email: email)).proposed(to: UserEvent.emailStream(email), by: actor),
        ]
        return AppendBatch(events, expectations: [stream: .noStream, UserEvent.emailStream(email): .noStream])
    }

    public static func issueToken(userId: String, tokenId: String, tokenHash: String, by actor: ActorRef) -> AppendBatch {
        AppendBatch([
            UserEvent.tokenIssued(.init(userId: userId, tokenId: tokenId, tokenHash: tokenHash))
                .proposed(to: UserEvent.stream(userId), by: actor)
        ])
    }

    public static func setAvailability(userId: String, available: Bool, by actor: ActorRef) -> AppendBatch {
        AppendBatch([
            UserEvent.availabilityChanged(.init(userId: userId, available: available))
                .proposed(to: UserEvent.stream(userId), by: actor)
        ])
    }

    public static func createTeam(teamId: String, name: String, memberIds: [String], by actor: ActorRef) throws(Invalid) -> AppendBatch {
        let name = try requireName(name, field: "name")
        let stream = TeamEvent.stream(teamId)
        return AppendBatch(
            [TeamEvent.created(.init(teamId: teamId, name: name, memberIds: unique(memberIds))).proposed(to: stream, by: actor)],
            expectations: [stream: .noStream])
    }

    /// Creates an inbox whose fallback address is `address` (see `fallbackAddress`).
    public static func createInbox(
        inboxId: String, name: String, address: String, memberIds: [String], teamIds: [String], by actor: ActorRef
    ) throws(Invalid) -> AppendBatch {
        let name = try requireName(name, field: "name")
        let stream = InboxEvent.stream(inboxId)
        let created = InboxEvent.created(.init(
            inboxId: inboxId, name: name, fallbackEmail: address, memberIds: unique(memberIds), teamIds: unique(teamIds)))
        let claim = InboxEvent.addressClaimed(.init(inboxId: inboxId, address: address))
        return AppendBatch(
            [created.proposed(to: stream, by: actor), claim.proposed(to: InboxEvent.addressStream(address), by: actor)],
            expectations: [stream: .noStream, InboxEvent.addressStream(address): .noStream])
    }

    /// The fallback address for an inbox named `name`: `<slug>@<domain>`, or `<slug>-<n>@<domain>` for the
    /// `attempt`-th try after the plainer ones were taken.
    public static func fallbackAddress(name: String, domain: String, attempt: Int) -> String {
        let slug = Slug.make(name)
        return attempt <= 1 ? "\(slug)@\(domain)" : "\(slug)-\(attempt)@\(domain)"
    }

    public static func setInboxMembers(
        inboxId: String, memberIds: [String], teamIds: [String], by actor: ActorRef
    ) -> AppendBatch {
        AppendBatch([
            InboxEvent.membersChanged(.init(inboxId: inboxId, memberIds: unique(memberIds), teamIds: unique(teamIds)))
                .proposed(to: InboxEvent.stream(inboxId), by: actor)
        ])
    }

    /// Sets how the inbox routes new conversations. Round robin needs candidates: listed users or a team.
    public static func setRouting(inboxId: String, routing: RoutingRule, by actor: ActorRef) throws(Invalid) -> AppendBatch {
        var routing = routing
        routing.userIds = unique(routing.userIds)
        if routing.mode == .roundRobin, routing.userIds.isEmpty, routing.teamId == nil {
            throw Invalid("userIds", "or teamId must name who round robin assigns to")
        }
        if routing.teamId != nil, !routing.userIds.isEmpty {
            throw Invalid("teamId", "and userIds cannot both be given")
        }
        return AppendBatch([
            InboxEvent.routingChanged(.init(inboxId: inboxId, routing: routing)).proposed(to: InboxEvent.stream(inboxId), by: actor)
        ])
    }

    /// Replaces the inbox's email filters; 422 material when an entry is not an address or a domain.
    public static func setEmailFilters(
        inboxId: String, blockedSenders: [String], blockedDomains: [String], dropAutoReplies: Bool, by actor: ActorRef
    ) throws(Invalid) -> AppendBatch {
        let filters: EmailFilters
        do {
            filters = try EmailFilters.normalized(
                blockedSenders: blockedSenders, blockedDomains: blockedDomains, dropAutoReplies: dropAutoReplies)
        } catch {
            switch error {
            case .notAnAddress(let value): throw Invalid("blockedSenders", "holds '\(value)', which is not an email address")
            case .notADomain(let value): throw Invalid("blockedDomains", "holds '\(value)', which is not a domain")
            case .tooMany: throw Invalid("blockedSenders", "and blockedDomains take \(EmailFilters.maxEntries) entries each at most")
            }
        }
        return AppendBatch([
            InboxEvent.emailFiltersChanged(.init(inboxId: inboxId, filters: filters)).proposed(to: InboxEvent.stream(inboxId), by: actor)
        ])
    }

    public static func connectChannel(
        channelId: String, inboxId: String, type: String, name: String?, address: String?, bot: ChatBotConfig? = nil,
        messenger: (pageId: String, credentials: MessengerCredentials)? = nil, fields: [FormFieldSpec]? = nil, by actor: ActorRef
    ) throws(Invalid) -> AppendBatch {
        guard channelTypes.contains(type) else {
            throw Invalid("type", "must be one of \(channelTypes.sorted().joined(separator: ", "))")
        }
        let name = try name.map { (name) throws(Invalid) in try requireName(name, field: "name") }
        var address = address
        if type == "email" {
            let normalized = EmailAddress.normalize(address ?? "")
            guard EmailAddress.isValid(normalized) else { throw Invalid("address", "is not an email address") }
            address = normalized
        }
        if bot != nil, type != "chat" { throw Invalid("bot", "only chat channels have a bot") }
        let bot = try bot.map { (bot) throws(Invalid) in try validBot(bot) }
        if type == "messenger" {
            guard let messenger else { throw Invalid("pageId", "is required") }
            guard !messenger.pageId.isEmpty, messenger.pageId.count <= 64, messenger.pageId.allSatisfy(\.isASCII),
                messenger.pageId.allSatisfy(\.isNumber)
            else { throw Invalid("pageId", "must be a Facebook Page id (digits)") }
            for (field, value) in [
                ("pageAccessToken", messenger.credentials.pageAccessToken), ("appSecret", messenger.credentials.appSecret),
                ("verifyToken", messenger.credentials.verifyToken),
            ] where value.isEmpty || value.count > 1_000 || value.contains(where: \.isWhitespace) {
                throw Invalid(field, "must be 1 to 1000 characters without spaces")
            }
        }
        if type == "form", fields?.isEmpty ?? true { throw Invalid("fields", "a form needs at least one field") }
        let stream = ChannelEvent.stream(channelId)
        var connected = ChannelEvent.Connected(channelId: channelId, inboxId: inboxId, type: type, name: name, address: address, bot: bot)
        connected.pageId = type == "messenger" ? messenger?.pageId : nil
        connected.fields = type == "form" ? fields : nil
        var events = [ChannelEvent.connected(connected).proposed(to: stream, by: actor)]
        if type == "messenger", let messenger {
            events.append(ChannelEvent.credentialsSet(.init(channelId: channelId, messenger: messenger.credentials)).proposed(to: stream, by: actor))
        }
        var expectations: [StreamID: ExpectedVersion] = [stream: .noStream]
        // An address delivers to one inbox only: it shares the claim streams of the fallback addresses.
        if type == "email", let address {
            events.append(InboxEvent.addressClaimed(.init(inboxId: inboxId, address: address)).proposed(to: InboxEvent.addressStream(address), by: actor))
            expectations[InboxEvent.addressStream(address)] = .noStream
        }
        return AppendBatch(events, expectations: expectations)
    }

    /// A bot configuration trimmed, with its limits checked.
    static func validBot(_ bot: ChatBotConfig) throws(Invalid) -> ChatBotConfig {
        var bot = bot
        bot.name = try requireName(bot.name, field: "bot.name")
        bot.greeting = try requireText(bot.greeting, field: "bot.greeting", limit: 2_000)
        guard bot.answers.count <= 500 else { throw Invalid("bot.answers", "must have at most 500 entries") }
        for index in bot.answers.indices {
            let field = "bot.answers[\(index)]"
            bot.answers[index].answer = try requireText(bot.answers[index].answer, field: field + ".answer", limit: 2_000)
            let keywords = bot.answers[index].keywords.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            guard !keywords.isEmpty, keywords.allSatisfy({ (3...100).contains($0.count) }) else {
                throw Invalid(field + ".keywords", "needs at least one keyword, each of 3 to 100 characters")
            }
            bot.answers[index].keywords = keywords
        }
        bot.handoffKeywords = bot.handoffKeywords.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard bot.handoffKeywords.allSatisfy({ (3...100).contains($0.count) }) else {
            throw Invalid("bot.handoffKeywords", "each must have 3 to 100 characters")
        }
        return bot
    }

    static func requireText(_ text: String, field: String, limit: Int) throws(Invalid) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw Invalid(field, "must not be empty") }
        guard trimmed.count <= limit else { throw Invalid(field, "must be at most \(limit) characters") }
        return trimmed
    }

    static func requireName(_ name: String, field: String) throws(Invalid) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw Invalid(field, "must not be empty") }
        guard trimmed.count <= 200 else { throw Invalid(field, "must be at most 200 characters") }
        return trimmed
    }

    static func unique(_ ids: [String]) -> [String] {
        var seen = Set<String>()
        return ids.filter { seen.insert($0).inserted }
    }
}

/// URL- and mailbox-safe names.
public enum Slug {
    /// Lowercase ASCII letters and digits joined by single dashes; `inbox` when nothing is left.
    public static func make(_ name: String) -> String {
        var slug = ""
        var pendingDash = false
        for scalar in name.decomposedStringWithCanonicalMapping.unicodeScalars {
            if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) {
                if pendingDash, !slug.isEmpty { slug.append("-") }
                pendingDash = false
                slug.unicodeScalars.append(scalar)
            } else if scalar.properties.generalCategory != .nonspacingMark {
                pendingDash = true
            }
        }
        slug = slug.lowercased()
        if slug.count > 48 { slug = String(slug.prefix(48)).trimmingCharacters(in: CharacterSet(charactersIn: "-")) }
        return slug.isEmpty ? "inbox" : slug
    }
}
