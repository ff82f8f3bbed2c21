import Foundation
import HTTPTypes
import Hummingbird
import InboxCore
import Projections

/// The inbox views and a conversation's detail.
struct ConversationRoutes {
    let backend: Backend

    func register(on api: RouterGroup<SwitchboardRequestContext>) {
        api.get("conversations", use: list)
        api.get("conversations/:id", use: detail)
        api.get("conversations/:id/messages/:messageId/attachments/:index", use: attachment)
    }

    @Sendable func list(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let query = request.uri.queryParameters
        var filter = ConversationFilter()
        filter.visibleInboxIds = caller.inboxIds
        if let inboxId = query.get("inboxId") {
            guard caller.mayAccess(inboxId: inboxId) else { throw APIError.notFound("No such inbox.") }
            filter.inboxId = inboxId
        }
        if let status = query.get("status") {
            guard ["open", "closed", "filtered"].contains(status) else {
                throw APIError.badRequest("'status' must be open, closed or filtered.", code: "invalid_query")
            }
            filter.status = status
        }
        switch query.get("assignee") {
        case nil: break
        case "me": filter.assignee = .user(caller.userId)
        case "unassigned": filter.assignee = .unassigned
        case let userId?: filter.assignee = .user(userId)
        }
        filter.channelType = query.get("channel")
        filter.contactId = query.get("contactId")
        if let text = query.get("q") {
            filter.words = text.lowercased().split(whereSeparator: \.isWhitespace).map(String.init)
        }
        let limit = try Parameters.limit(request)
        let after = try query.get("cursor").map(ListCursor.decode)
        let page: ConversationPage
        do {
            page = try backend.read { txn in
                try backend.views.conversations.list(filter, limit: limit, after: after, in: txn)
            }
        } catch is InvalidCursor {
            throw ListCursor.invalid
        }
        return JSONOutput.list(
            page.records.map { ConversationSummaryJSON($0, for: caller.userId) }, nextCursor: page.nextKey.map(ListCursor.encode))
    }

    @Sendable func detail(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try Parameters.id(context)
        let detail = try backend.read { txn -> ConversationDetailJSON? in
            guard let record = try backend.views.conversations.record(id, in: txn), caller.mayAccess(inboxId: record.inboxId)
            else { return nil }
            return ConversationDetailJSON(
                summary: ConversationSummaryJSON(record, for: caller.userId),
                messages: try backend.views.conversations.messages(of: id, in: txn).map {
                    MessageJSON($0, contactId: record.contactId, conversationId: id)
                },
                comments: try backend.views.conversations.comments(of: id, in: txn).map(CommentJSON.init))
        }
        guard let detail else { throw APIError.notFound("No such conversation.") }
        return try JSONOutput.response(detail)
    }
}

extension ConversationRoutes {
    /// An attachment's bytes, always as a download (`nosniff`, `attachment`): an HTML file from a stranger must
    /// never render as a page of ours.
    @Sendable func attachment(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let record = try backend.visibleConversation(try Parameters.id(context), caller)
        let messageId = try context.parameters.require("messageId")
        let found = try backend.read { txn in
            try backend.views.conversations.messages(of: record.id, in: txn).first { $0.id == messageId }
        }
        guard let message = found else { throw APIError.notFound("No such message.") }
        guard let index = Int(try context.parameters.require("index")), let attachments = message.attachments,
            attachments.indices.contains(index)
        else { throw APIError.notFound("No such attachment.") }
        let attachment = attachments[index]
        guard let bytes = try await backend.log.blob(attachment.blob) else { throw APIError.internalError() }
        var headers = HTTPFields()
        headers[.contentType] = attachment.contentType
        headers[.contentDisposition] = ContentDisposition.attachment(filename: attachment.name ?? "attachment-\(index)")
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// RFC 6266 `Content-Disposition` with an ASCII fallback name and the exact UTF-8 one (RFC 5987).
enum ContentDisposition {
    static func attachment(filename: String) -> String {
        let ascii = String(filename.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && scalar.value >= 0x20 && scalar != "\"" && scalar != "\\" ? Character(scalar) : "_"
        })
        let allowed = CharacterSet.alphanumerics.intersection(.init(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
            .union(.init(charactersIn: "!#$&+-.^_`|~"))
        let encoded = filename.addingPercentEncoding(withAllowedCharacters: allowed) ?? ascii
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
}

extension Backend {
    /// The conversation as the views show it, or 404 when absent or in an inbox the caller does not work in.
    func visibleConversation(_ id: String, _ caller: Caller) throws -> ConversationRecord {
        guard let record = try read({ txn in try views.conversations.record(id, in: txn) }),
            caller.mayAccess(inboxId: record.inboxId)
        else { throw APIError.notFound("No such conversation.") }
        return record
    }

    /// A conversation's decision state, folded from its stream in the log (the source of truth for If-Match).
    func conversationState(_ id: String) async throws -> Conversation.State {
        Conversation.fold(try await events(of: ConversationEvent.stream(id), as: ConversationEvent.self))
    }
}

/// Opaque list cursors: the position to resume from, base64url-encoded.
enum ListCursor {
    static let invalid = APIError.badRequest("The cursor is not one this list gave out.", code: "invalid_cursor")

    static func encode(_ key: [UInt8]) -> String {
        Data(key).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A cursor that holds a number (a log position, a stream version, an offset).
    static func encode(number: UInt64) -> String { encode(Array(String(number).utf8)) }

    /// The number in a cursor made by `encode(number:)`; 400 for anything else.
    static func number(_ text: String) throws -> UInt64 {
        guard let number = UInt64(String(decoding: try decode(text), as: UTF8.self)) else { throw invalid }
        return number
    }

    static func decode(_ text: String) throws -> [UInt8] {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard !text.isEmpty, text.count <= 1_024, let data = Data(base64Encoded: base64) else { throw invalid }
        return Array(data)
    }
}
