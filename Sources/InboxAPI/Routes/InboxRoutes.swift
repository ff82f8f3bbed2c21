import Foundation
import HTTPTypes
import Hummingbird
import FormsChannel
import InboxCore
import Projections

/// Inboxes, their members and their channels.
struct InboxRoutes {
    let backend: Backend
    let idempotency: Idempotency
    /// How many `<slug>-<n>` fallback addresses are tried before giving up.
    static let fallbackAttempts = 50

    struct NewInbox: RequestBody {
        static let fields: Set<String> = ["name", "memberIds", "teamIds"]
        var name: String
        var memberIds: [String]?
        var teamIds: [String]?
    }

    struct Members: RequestBody {
        static let fields: Set<String> = ["memberIds", "teamIds"]
        var memberIds: [String]
        var teamIds: [String]
    }

    struct Routing: RequestBody {
        static let fields: Set<String> = ["mode", "userIds", "teamId", "onlyAvailable"]
        var mode: String
        var userIds: [String]?
        var teamId: String?
        var onlyAvailable: Bool?
    }

    /// The whole filter set; an absent list is empty, an absent `dropAutoReplies` is true.
    struct Filters: RequestBody {
        static let fields: Set<String> = ["blockedSenders", "blockedDomains", "dropAutoReplies"]
        var blockedSenders: [String]?
        var blockedDomains: [String]?
        var dropAutoReplies: Bool?
    }

    struct NewChannel: RequestBody {
        static let fields: Set<String> = [
            "type", "name", "address", "bot", "pageId", "pageAccessToken", "appSecret", "verifyToken", "fields",
        ]
        static let nestedFields: [String: Set<String>] = ["bot": ["name", "greeting", "askForEmail", "answers", "handoffKeywords"]]
        var type: String
        var name: String?
        var address: String?
        var bot: Bot?
        var pageId: String?
        var pageAccessToken: String?
        var appSecret: String?
        var verifyToken: String?
        /// A form's fields: `{name, label, required?, kind?}`.
        var fields: [FormField]?

        /// A Messenger channel's page and secrets, when all are given.
        func messenger() throws -> (pageId: String, credentials: MessengerCredentials) {
            guard let pageId, let pageAccessToken, let appSecret, let verifyToken else {
                let missing = [("pageId", pageId), ("pageAccessToken", pageAccessToken), ("appSecret", appSecret), ("verifyToken", verifyToken)]
                    .first { $0.1 == nil }?.0 ?? "pageId"
                throw APIError.unprocessable("Field '\(missing)' is required.")
            }
            return (pageId, MessengerCredentials(pageAccessToken: pageAccessToken, appSecret: appSecret, verifyToken: verifyToken))
        }

        /// A form's fields, checked as a definition.
        func formFields(channelId: String) throws -> [FormFieldSpec] {
            let definition = FormDefinition(channelId: channelId, name: name ?? "", fields: fields ?? [])
            if let problem = definition.problems().first {
                throw APIError.unprocessable("Field '\(problem.field)' \(problem.message)", code: "invalid_form")
            }
            return definition.fields.map { FormFieldSpec(name: $0.name, label: $0.label, required: $0.required, kind: $0.kind.rawValue) }
        }

        /// A chat bot as the API takes it: everything but the greeting has a default.
        struct Bot: Decodable, Sendable {
            var name: String?
            var greeting: String
            var askForEmail: Bool?
            var answers: [ChatBotConfig.Answer]?
            var handoffKeywords: [String]?

            var config: ChatBotConfig {
                ChatBotConfig(
                    name: name ?? "Assistant", greeting: greeting, askForEmail: askForEmail ?? true, answers: answers ?? [],
                    handoffKeywords: handoffKeywords ?? [])
            }
        }
    }

    /// The channel types this version connects; the others arrive with their own adapters.
    static let connectableTypes: Set<String> = ["chat", "custom", "email", "form", "messenger"]

    func register(on api: RouterGroup<SwitchboardRequestContext>) {
        api.post("inboxes", use: createInbox)
        api.get("inboxes", use: listInboxes)
        api.get("inboxes/:id", use: getInbox)
        api.put("inboxes/:id/members", use: setMembers)
        api.put("inboxes/:id/routing", use: setRouting)
        api.put("inboxes/:id/email-filters", use: setEmailFilters)
        api.post("inboxes/:id/channels", use: connectChannel)
        api.get("inboxes/:id/channels", use: listChannels)
    }

    @Sendable func createInbox(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller().requireAdmin()
        let body = try await StrictJSON.decode(NewInbox.self, from: request, context: context)
        return try await idempotency.run(request, context: context, caller: caller, body: body.bytes) {
            let memberIds = body.value.memberIds ?? []
            let teamIds = body.value.teamIds ?? []
            try backend.requireUsers(memberIds, field: "memberIds")
            try backend.requireTeams(teamIds)
            let inboxId = Identifiers.make()
            // The fallback address is claimed through the log: a taken one moves on to `<slug>-2`, `-3`...
            for attempt in 1...Self.fallbackAttempts {
                let address = Directory.fallbackAddress(
                    name: body.value.name, domain: backend.configuration.mailDomain, attempt: attempt)
                let batch = try invalidAsAPIError {
                    try Directory.createInbox(
                        inboxId: inboxId, name: body.value.name, address: address, memberIds: memberIds, teamIds: teamIds,
                        by: caller.actor)
                }
                guard let position = try await backend.commitOrDecideAgain(batch, retryable: { $0 == InboxEvent.addressStream(address) })
                else { continue }
                return try WriteAnswer(status: .created, InboxJSON(try visibleInbox(inboxId, caller)), logPosition: position)
            }
            throw APIError.conflict("No free fallback address is left for this inbox name.", code: "address_taken")
        }
    }

    @Sendable func listInboxes(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let inboxes = try backend.read { txn in try backend.views.directory.inboxes(in: txn) }
        return try JSONOutput.response(ListJSON(items: inboxes.filter { caller.mayAccess(inboxId: $0.id) }.map(InboxJSON.init)))
    }

    @Sendable func getInbox(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        return try JSONOutput.response(InboxJSON(try visibleInbox(try Parameters.id(context), caller)))
    }

    @Sendable func setMembers(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller().requireAdmin()
        let inboxId = try Parameters.id(context)
        let body = try await StrictJSON.decode(Members.self, from: request, context: context)
        return try await idempotency.run(request, context: context, caller: caller, body: body.bytes) {
            try backend.requireUsers(body.value.memberIds, field: "memberIds")
            try backend.requireTeams(body.value.teamIds)
            // Agents who lose access give up their open conversations there, in the same append; a conversation
            // changing meanwhile means deciding again.
            for _ in 1...ConversationCommandRoutes.attempts {
                let inbox = try visibleInbox(inboxId, caller)
                let batch = try await backend.membershipChange(
                    inbox: inbox, memberIds: body.value.memberIds, teamIds: body.value.teamIds, by: caller.actor)
                guard let position = try await backend.commitOrDecideAgain(batch) else { continue }
                return try WriteAnswer(status: .ok, InboxJSON(try visibleInbox(inboxId, caller)), logPosition: position)
            }
            throw APIError.conflict("The inbox's conversations keep changing; try again.", code: "version_conflict")
        }
    }

    @Sendable func setRouting(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller().requireAdmin()
        let inboxId = try Parameters.id(context)
        let body = try await StrictJSON.decode(Routing.self, from: request, context: context)
        return try await idempotency.run(request, context: context, caller: caller, body: body.bytes) {
            _ = try visibleInbox(inboxId, caller)
            guard let mode = RoutingRule.Mode(rawValue: body.value.mode) else {
                throw APIError.unprocessable("Field 'mode' must be manual or round_robin.")
            }
            let userIds = body.value.userIds ?? []
            try backend.requireUsers(userIds, field: "userIds")
            try backend.requireTeams(body.value.teamId.map { [$0] } ?? [], field: "teamId")
            let rule = RoutingRule(mode: mode, userIds: userIds, teamId: body.value.teamId, onlyAvailable: body.value.onlyAvailable ?? true)
            let batch = try invalidAsAPIError { try Directory.setRouting(inboxId: inboxId, routing: rule, by: caller.actor) }
            let position = try await backend.commit(batch) { _ in .internalError() }
            return try WriteAnswer(status: .ok, InboxJSON(try visibleInbox(inboxId, caller)), logPosition: position)
        }
    }

    @Sendable func setEmailFilters(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller().requireAdmin()
        let inboxId = try Parameters.id(context)
        let body = try await StrictJSON.decode(Filters.self, from: request, context: context)
        return try await idempotency.run(request, context: context, caller: caller, body: body.bytes) {
            _ = try visibleInbox(inboxId, caller)
            let batch = try invalidAsAPIError {
                try Directory.setEmailFilters(
                    inboxId: inboxId, blockedSenders: body.value.blockedSenders ?? [],
                    blockedDomains: body.value.blockedDomains ?? [], dropAutoReplies: body.value.dropAutoReplies ?? true,
                    by: caller.actor)
            }
            let position = try await backend.commit(batch) { _ in .internalError() }
            return try WriteAnswer(status: .ok, InboxJSON(try visibleInbox(inboxId, caller)), logPosition: position)
        }
    }

    @Sendable func connectChannel(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let inboxId = try Parameters.id(context)
        _ = try visibleInbox(inboxId, caller)
        _ = try caller.requireAdmin()
        let body = try await StrictJSON.decode(NewChannel.self, from: request, context: context)
        return try await idempotency.run(request, context: context, caller: caller, body: body.bytes) {
            let type = body.value.type
            guard Self.connectableTypes.contains(type) else {
                throw APIError.unprocessable(
                    "Field 'type' must be one of \(Self.connectableTypes.sorted().joined(separator: ", ")).",
                    code: "unsupported_channel_type")
            }
            if ["custom", "chat", "form"].contains(type), body.value.name == nil { throw APIError.unprocessable("Field 'name' is required.") }
            if type == "email", body.value.address == nil { throw APIError.unprocessable("Field 'address' is required.") }
            let channelId = Identifiers.make()
            let messenger = type == "messenger" ? try body.value.messenger() : nil
            if let pageId = messenger?.pageId,
                try backend.read({ txn in try backend.views.directory.messengerChannel(pageId: pageId, in: txn) }) != nil
            {
                throw APIError.conflict("This Facebook Page is connected already.", code: "page_taken")
            }
            let fields = type == "form" ? try body.value.formFields(channelId: channelId) : nil
            let batch = try invalidAsAPIError {
                try Directory.connectChannel(
                    channelId: channelId, inboxId: inboxId, type: type, name: body.value.name,
                    address: type == "email" ? body.value.address : nil, bot: body.value.bot?.config, messenger: messenger,
                    fields: fields, by: caller.actor)
            }
            let position = try await backend.commit(batch) { _ in
                .conflict("This address already delivers to an inbox.", code: "address_taken")
            }
            let channel = try backend.read { txn in try backend.views.directory.channel(channelId, in: txn) }
            guard let channel else { throw APIError.internalError() }
            return try WriteAnswer(status: .created, ChannelJSON(channel), logPosition: position)
        }
    }

    @Sendable func listChannels(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let inboxId = try Parameters.id(context)
        _ = try visibleInbox(inboxId, caller)
        let channels = try backend.read { txn in try backend.views.directory.channels(inboxId: inboxId, in: txn) }
        return try JSONOutput.response(ListJSON(items: channels.map(ChannelJSON.init)))
    }

    /// The inbox, or 404 when it does not exist or the caller is not a member.
    private func visibleInbox(_ id: String, _ caller: Caller) throws -> InboxView {
        guard caller.mayAccess(inboxId: id), let inbox = try backend.read({ txn in try backend.views.directory.inbox(id, in: txn) })
        else { throw APIError.notFound("No such inbox.") }
        return inbox
    }
}
