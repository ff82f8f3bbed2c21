import Foundation
import InboxCore

/// Events of every type as the service writes them: through the deciders, with ids minted by `Identifiers.make`
/// and the values the API's handlers pass (external ids as integrators send them). Every optional field is
/// both set and unset in some event of its type.
enum EventSamples {
    static let t0 = Date(timeIntervalSince1970: 1_795_000_000.25)
    static let admin = ActorRef(kind: .user, id: Identifiers.make())

    /// The payloads of every sampled event, by type tag.
    static func byType() throws -> [String: [Data]] {
        Dictionary(grouping: try all(), by: \.type).mapValues { $0.map(\.payload) }
    }

    static func all() throws -> [ProposedEvent] {
        var events = try AdminBootstrap.decide(
            .init(userId: Identifiers.make(), tokenId: Identifiers.make(), tokenHash: SHA256Digest.hex("sb_admin")), head: 0
        ).events
        let ana = Identifiers.make()
        let ben = Identifiers.make()
        events += try directory(ana: ana, ben: ben)
        let inboxId = Identifiers.make()
        let channelId = Identifiers.make()
        let (conversation, conversationEvents) = try conversations(inboxId: inboxId, channelId: channelId, ana: ana, ben: ben)
        events += conversationEvents
        events += try contacts(conversation: conversation, channelId: channelId)
        events += inbound(channelId: channelId)
        events.append(
            IdempotencyEvent.recorded(.init(
                key: "9f1c-retry-1", userId: ana, method: "POST", path: "/api/v1/contacts",
                requestHash: SHA256Digest.hex(#"{"name":"Carla"}"#), status: 201, body: #"{"id":"x"}"#, logPosition: 42,
                recordedAt: t0)
            ).proposed(to: IdempotencyEvent.stream(userId: ana, method: "POST", path: "/api/v1/contacts", key: "9f1c-retry-1"), by: admin))
        events += try webhooks()
        events += try chat(inboxId: inboxId)
        return events
    }

    /// A chat channel with a bot, and a visitor taken through every step of it.
    static func chat(inboxId: String) throws -> [ProposedEvent] {
        let channelId = Identifiers.make()
        let bot = ChatBotConfig(
            name: "Sam", greeting: "Hi!", askForEmail: true,
            answers: [.init(keywords: ["shipping", "delivery time"], answer: "Two days.")], handoffKeywords: ["manager"])
        var events = try Directory.connectChannel(
            channelId: channelId, inboxId: inboxId, type: "chat", name: "Website", address: nil, bot: bot, by: admin).events
        let visitorId = Identifiers.make()
        let token = ChatVisitorToken(visitorId: visitorId, secret: SHA256Digest.hex("secret"))
        let visitorStream = ChatEvent.stream(visitorId)
        let contact = ActorRef(kind: .contact, id: visitorId)
        events.append(ChatEvent.visitorRegistered(.init(channelId: channelId, visitorId: visitorId, secretHash: token.secretHash, at: t0))
            .proposed(to: visitorStream, by: contact))
        events.append(ChatEvent.visitorIdentified(.init(channelId: channelId, visitorId: visitorId, email: "carla@example.com", name: nil, at: t0))
            .proposed(to: visitorStream, by: contact))
        events.append(ChatEvent.visitorIdentified(.init(channelId: channelId, visitorId: visitorId, email: "carla@example.com", name: "Carla", at: t0))
            .proposed(to: visitorStream, by: contact))

        // Answered, asked for a person, gave an email, handed off; then a second cycle resolved by the bot.
        var state = Conversation.State()
        let conversationId = Identifiers.make()
        let stream = ConversationEvent.stream(conversationId)
        func turn(_ text: String, starts: Bool) -> [ConversationEvent] {
            let outcome = ChatBot.respond(
                config: bot, state: state, startsSession: starts,
                turn: .init(conversationId: conversationId, channelId: channelId, text: text, visitorEmailKnown: false, at: t0,
                            messageIds: (0..<4).map { _ in Identifiers.make() }))
            state = outcome.events.reduce(state, Conversation.evolve)
            return outcome.events
        }
        state.status = .open
        var botEvents = turn("What is the shipping time?", starts: true)
        botEvents += turn("Can I talk to a manager?", starts: false)
        botEvents += turn("carla@example.com", starts: false)
        state.status = .open
        botEvents += turn("delivery time?", starts: true)
        botEvents += turn("thanks!", starts: false)
        events += botEvents.map { $0.proposed(to: stream, by: ActorRef(kind: .bot, id: channelId)) }
        return events
    }

    /// A webhook registered, a failed then a successful delivery, and one disabled.
    static func webhooks() throws -> [ProposedEvent] {
        let webhookId = Identifiers.make()
        let stream = WebhookEvent.stream(webhookId)
        var events = try Webhooks.register(
            webhookId: webhookId, url: "https://hooks.example.com/switchboard", eventTypes: ["conversation.started.v1", "*"],
            secret: "whsec-0123456789abcdef", at: t0, by: admin).events
        let eventId = EventIDs.make()
        events.append(WebhookEvent.attempted(.init(
            webhookId: webhookId, position: 12, eventId: eventId, eventType: "conversation.started.v1", attempt: 1,
            succeeded: false, status: nil, error: "connection refused", at: t0)).proposed(to: stream, by: .system))
        events.append(WebhookEvent.attempted(.init(
            webhookId: webhookId, position: 12, eventId: eventId, eventType: "conversation.started.v1", attempt: 2,
            succeeded: true, status: 204, error: nil, at: t0)).proposed(to: stream, by: .system))
        events.append(WebhookEvent.disabled(.init(webhookId: webhookId, reason: "every delivery failed for a day", at: t0))
            .proposed(to: stream, by: .system))
        return events
    }

    /// Users, a team, an inbox and its channels.
    static func directory(ana: String, ben: String) throws -> [ProposedEvent] {
        var events: [ProposedEvent] = []
        events += try Directory.registerUser(userId: ana, name: " Ana Ruiz ", email: " Ana@Example.COM", role: .agent, by: admin).events
        events += try Directory.registerUser(userId: ben, name: "Ben", email: "ben@support.example.org", role: .admin, by: admin).events
        events += Directory.issueToken(userId: ana, tokenId: Identifiers.make(), tokenHash: SHA256Digest.hex("sb_token"), by: admin).events
        events += Directory.setAvailability(userId: ana, available: true, by: admin).events
        events += Directory.setAvailability(userId: ben, available: false, by: admin).events
        events += Notifications.setPreferences(userId: ana, .defaults, by: admin).events
        events += Notifications.setPreferences(userId: ben, NotificationPreferences(assigned: [], newMessage: [.email], mention: [.inApp]), by: admin).events
        events += Notifications.markRead(userId: ana, notificationIds: ["41.mention", "42.assigned"], by: admin).events
        events.append(NotificationEvent.emailSent(.init(
            userId: ana, notificationIds: ["41.mention", "42.assigned"], to: "ana@example.com", response: "250 2.0.0 queued",
            at: Date(timeIntervalSince1970: 1_780_000_000))).proposed(to: NotificationEvent.emailStream(ana), by: admin))
        events.append(NotificationEvent.emailAbandoned(.init(
            userId: ben, notificationIds: ["43.newMessage"], reason: "550 5.1.1 no such user", attempts: 1,
            at: Date(timeIntervalSince1970: 1_780_000_060))).proposed(to: NotificationEvent.emailStream(ben), by: admin))
        let teamId = Identifiers.make()
        events += try Directory.createTeam(teamId: teamId, name: "Tier 2", memberIds: [ana, ben, ana], by: admin).events
        events += try Directory.createTeam(teamId: Identifiers.make(), name: "Night shift", memberIds: [], by: admin).events
        let inboxId = Identifiers.make()
        let fallback = Directory.fallbackAddress(name: "Sales & Support", domain: "switchboard.localhost", attempt: 2)
        events += try Directory.createInbox(
            inboxId: inboxId, name: "Sales & Support", address: fallback, memberIds: [ana], teamIds: [teamId], by: admin
        ).events
        events += Directory.setInboxMembers(inboxId: inboxId, memberIds: [ana, ben, ben], teamIds: [], by: admin).events
        events += Directory.setInboxMembers(inboxId: inboxId, memberIds: [], teamIds: [teamId], by: admin).events
        events += try Directory.setRouting(inboxId: inboxId, routing: .manual, by: admin).events
        events += try Directory.setRouting(
            inboxId: inboxId, routing: RoutingRule(mode: .roundRobin, userIds: [ana, ben, ana], onlyAvailable: false), by: admin
        ).events
        events += try Directory.setRouting(inboxId: inboxId, routing: RoutingRule(mode: .roundRobin, teamId: teamId), by: admin).events
        events += Routing.assignment(inboxId: inboxId, conversationId: Identifiers.make(), userId: ana, by: admin, rotationVersion: 0).events
        events += try Directory.setEmailFilters(
            inboxId: inboxId, blockedSenders: [" Spam@Example.COM ", "spam@example.com"], blockedDomains: ["@Junk.example"],
            dropAutoReplies: false, by: admin
        ).events
        events += try Directory.setEmailFilters(inboxId: inboxId, blockedSenders: [], blockedDomains: [], dropAutoReplies: true, by: admin).events
        events += try Directory.connectChannel(
            channelId: Identifiers.make(), inboxId: inboxId, type: "email", name: nil, address: " Help@Shop.example ", by: admin
        ).events
        events += try Directory.connectChannel(
            channelId: Identifiers.make(), inboxId: inboxId, type: "custom", name: "Shop widget", address: nil, by: admin
        ).events
        events += try Directory.connectChannel(
            channelId: Identifiers.make(), inboxId: inboxId, type: "email", name: "Billing", address: "billing@shop.example", by: admin
        ).events
        events += try Directory.connectChannel(
            channelId: Identifiers.make(), inboxId: inboxId, type: "messenger", name: "Shop page", address: nil,
            messenger: ("1122334455", MessengerCredentials(pageAccessToken: "EAAB-token", appSecret: "app-secret", verifyToken: "verify")),
            by: admin
        ).events
        events += try Directory.connectChannel(
            channelId: Identifiers.make(), inboxId: inboxId, type: "form", name: "Contact us", address: nil,
            fields: [
                FormFieldSpec(name: "email", label: "Email", required: true, kind: "email"),
                FormFieldSpec(name: "message", label: "Message", required: false, kind: "textarea"),
            ], by: admin
        ).events
        return events
    }

    /// Two conversations: one through a custom channel taken through every command, one through an email channel
    /// that starts with every optional set. Answers the first one's id and state, for linking a contact.
    static func conversations(
        inboxId: String, channelId: String, ana: String, ben: String
    ) throws -> ((id: String, state: Conversation.State), [ProposedEvent]) {
        var events: [ProposedEvent] = []
        func run(_ id: String, _ commands: [Conversation.Command]) throws -> Conversation.State {
            var state = Conversation.State()
            for command in commands {
                let decided = try Conversation.decide(command, state, id: id)
                state = decided.reduce(state, Conversation.evolve)
                events += decided.map { $0.proposed(to: ConversationEvent.stream(id), by: admin) }
            }
            return state
        }
        func receive(_ id: String, _ origin: Conversation.Origin, from: Visitor, text: String, html: String? = nil,
                     subject: String? = nil, sentAt: Date? = nil, external: String? = nil, attachments: [Attachment]? = nil,
                     email: InboundEmail? = nil, filtered: EmailFilters.Reason? = nil) -> Conversation.Command {
            .receive(.init(
                conversationId: id, messageId: Identifiers.make(), origin: origin, from: from, text: text, html: html,
                subject: subject, sentAt: sentAt, receivedAt: t0, externalMessageId: external, attachments: attachments,
                email: email, filteredBecause: filtered))
        }

        let first = Identifiers.make()
        let custom = Conversation.Origin(inboxId: inboxId, channelId: channelId, channelType: "custom", contactId: nil)
        let visitor = Visitor(externalId: "shop-user-8812")
        let state = try run(first, [
            receive(first, custom, from: visitor, text: "Where is my order?"),
            .markRead(userId: ana),
            .assign(userId: ana), .assign(userId: ben), .assign(userId: nil),
            .comment(commentId: Identifiers.make(), authorId: ana, text: "@\(ben) can you check?", mentions: [ben], at: t0),
            .comment(commentId: Identifiers.make(), authorId: ben, text: "On it.", mentions: [], at: t0),
            .reply(messageId: Identifiers.make(), authorId: ben, text: "It ships today.", html: "<p>It ships today.</p>",
                   delivery: "sent", email: nil, at: t0),
            .reply(messageId: Identifiers.make(), authorId: ben, text: "Tracking: 1Z999", html: nil, delivery: nil, email: nil, at: t0),
            .close, .reopen, .close,
            receive(first, custom, from: Visitor(externalId: "shop-user-8812", name: "Carla"), text: "Thanks!",
                    html: "<b>Thanks!</b>", subject: "Re: order", sentAt: t0.addingTimeInterval(-60), external: "msg-77"),
        ])

        let second = Identifiers.make()
        let email = Conversation.Origin(inboxId: inboxId, channelId: Identifiers.make(), channelType: "email", contactId: Identifiers.make())
        let source = Blob(Data("From: dan@example.net\r\n\r\nInvoice?\r\n".utf8)).digest
        let pdf = Blob(Data("%PDF-1.7".utf8)).digest
        let reply = Identifiers.make()
        _ = try run(second, [
            receive(second, email, from: Visitor(email: "dan@example.net", externalId: "crm-5", name: "Dan"), text: "Invoice?",
                    subject: "Invoice 2026-11", external: "<CAF1x@mail.example.net>"),
            receive(second, email, from: Visitor(email: "dan@example.net", name: "Dan"), text: "",
                    external: "<CAF2y@mail.example.net>",
                    attachments: [
                        Attachment(name: "invoice 11.pdf", contentType: "application/pdf", size: 8, blob: pdf, contentId: nil, inline: false),
                        Attachment(name: nil, contentType: "image/png", size: 8, blob: pdf, contentId: "<logo@x>", inline: true),
                    ],
                    email: InboundEmail(
                        messageId: "<CAF2y@mail.example.net>", inReplyTo: ["<CAF1x@mail.example.net>"],
                        references: ["<CAF1x@mail.example.net>"], envelopeFrom: "dan@example.net",
                        recipients: ["help@shop.example"], source: source)),
            receive(second, email, from: Visitor(email: "dan@example.net"), text: "No id.",
                    email: InboundEmail(messageId: nil, inReplyTo: [], references: [], envelopeFrom: nil, recipients: [], source: source)),
            .reply(messageId: Identifiers.make(), authorId: ana, text: "Attached.", html: nil, delivery: "queued", email: nil, at: t0),
            .reply(messageId: reply, authorId: ana, text: "Here it is.", html: "<p>Here it is.</p>", delivery: "queued",
                   email: OutboundEmail(
                       from: "help@shop.example", fromName: "Sales & Support", to: ["dan@example.net"], subject: "Re: Invoice 2026-11",
                       messageId: "<\(reply)@switchboard.localhost>", inReplyTo: "<CAF2y@mail.example.net>",
                       references: ["<CAF1x@mail.example.net>", "<CAF2y@mail.example.net>"]), at: t0),
            .reply(messageId: Identifiers.make(), authorId: ana, text: "Hello?", html: nil, delivery: "queued",
                   email: OutboundEmail(
                       from: "help@shop.example", fromName: nil, to: ["dan@example.net"], subject: "Re: (no subject)",
                       messageId: "<\(Identifiers.make())@switchboard.localhost>", inReplyTo: nil, references: []), at: t0),
        ])
        events += deliveries(conversationId: second, messageId: reply)

        for reason in EmailFilters.Reason.allCases {
            let filtered = Identifiers.make()
            _ = try run(filtered, [
                reason == .automatic
                    ? receive(filtered, Conversation.Origin(inboxId: inboxId, channelId: channelId, channelType: "email", contactId: nil),
                              from: Visitor(email: "noreply@bulk.example"), text: "Out of office",
                              filtered: reason)
                    : receive(filtered, email, from: Visitor(email: "deals@junk.example", name: "Deals"), text: "Buy now",
                              html: "<p>Buy now</p>", subject: "Offer", sentAt: t0, external: "<offer-1@junk.example>",
                              attachments: [Attachment(name: "offer.pdf", contentType: "application/pdf", size: 8, blob: pdf, contentId: nil, inline: false)],
                              email: InboundEmail(
                                  messageId: "<offer-1@junk.example>", inReplyTo: [], references: [], envelopeFrom: "bounce@junk.example",
                                  recipients: ["help@shop.example"], source: source),
                              filtered: reason),
                .reopen,
            ])
        }
        return ((first, state), events)
    }

    /// A delivery that fails twice (once for good), then one that goes out.
    static func deliveries(conversationId: String, messageId: String) -> [ProposedEvent] {
        let stream = DeliveryEvent.stream(messageId: messageId)
        let policy = DeliveryPolicy(retryDelays: [.seconds(60)])
        return [
            policy.afterFailure(attempt: 1, permanent: false, reason: "connection refused", conversationId: conversationId,
                                messageId: messageId, now: t0),
            policy.afterFailure(attempt: 2, permanent: false, reason: "421 4.3.2 try later", conversationId: conversationId,
                                messageId: messageId, now: t0),
            .sent(.init(conversationId: conversationId, messageId: messageId, attempt: 3, response: "250 2.0.0 Ok: queued as 4F1", at: t0)),
        ].map { $0.proposed(to: stream, by: ActorRef(kind: .system, id: "email-delivery")) }
    }

    /// A contact from a conversation with every field, and two by hand with few.
    static func contacts(conversation: (id: String, state: Conversation.State), channelId: String) throws -> [ProposedEvent] {
        var events: [ProposedEvent] = []
        let fromConversation = Contacts.FromConversation(
            conversationId: conversation.id, state: conversation.state,
            visitorIdentities: Identity.of(Visitor(externalId: "shop-user-8812", name: "Carla"), channelId: channelId))
        events += try Contacts.create(
            .init(contactId: Identifiers.make(), email: "Carla@Example.com", name: "Carla", phone: "+34 600 000 000",
                  company: "Acme", createdAt: t0),
            from: fromConversation, by: admin
        ).events
        events += try Contacts.create(
            .init(contactId: Identifiers.make(), email: nil, name: "Eve", phone: nil, company: nil, createdAt: t0), by: admin
        ).events
        events += try Contacts.create(
            .init(contactId: Identifiers.make(), email: "fay@example.org", name: nil, phone: nil, company: " ", createdAt: t0),
            by: admin
        ).events
        return events
    }

    /// The claims the inbound-message handler appends next to the conversation's events.
    static func inbound(channelId: String) -> [ProposedEvent] {
        let accepted = ChannelEvent.MessageAccepted(
            channelId: channelId, externalMessageId: "msg-77", conversationId: Identifiers.make(), messageId: Identifiers.make())
        let opened = ChannelEvent.ThreadOpened(channelId: channelId, externalThreadId: "order 5521 / thread", conversationId: Identifiers.make())
        return [
            ChannelEvent.messageAccepted(accepted)
                .proposed(to: ChannelEvent.messageStream(channelId: channelId, externalMessageId: "msg-77"), by: admin),
            ChannelEvent.threadOpened(opened)
                .proposed(to: ChannelEvent.threadStream(channelId: channelId, externalThreadId: "order 5521 / thread"), by: admin),
        ]
    }
}
