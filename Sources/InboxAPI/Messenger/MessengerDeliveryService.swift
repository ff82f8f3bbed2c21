import AsyncHTTPClient
import Foundation
import InboxCore
import Logging
import MessengerChannel
import NIOCore
import NIOHTTP1
import Projections
import ServiceLifecycle

/// Sends Messenger replies through the Send API, on `OutboxDelivery`'s loop: a throttled or failing Graph API
/// is retried on `DeliveryPolicy`'s schedule, a refusal that cannot pass (outside the 24-hour window, a bad
/// token) fails the delivery with Meta's reason.
struct MessengerDeliveryService: Service {
    let backend: Backend
    let api: MessengerSendAPI
    let policy: DeliveryPolicy
    let logger: Logger
    static let actor = ActorRef(kind: .system, id: "messenger-delivery")

    func run() async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let sender = MessengerReplySender(backend: backend, client: client, api: api, policy: policy)
        let loop = OutboxDelivery(backend: backend, sender: sender, actor: Self.actor, logger: logger)
        do {
            try await cancelWhenGracefulShutdown { try await loop.run() }
        } catch is CancellationError {
        } catch let error as EventLogError where error == .closed {}
        try await client.shutdown()
    }
}

/// One try at a Messenger reply: its text as one or more Send API requests, in order.
struct MessengerReplySender: ReplySender {
    let backend: Backend
    let client: HTTPClient
    let api: MessengerSendAPI
    let policy: DeliveryPolicy
    var channelType: String { "messenger" }

    func send(_ entry: OutboxEntry, reply: ConversationEvent.ReplyPosted?, attempt: Int) async -> DeliveryEvent {
        guard let reply else { return .missingReply(entry, attempt: attempt) }
        func failure(_ reason: String, permanent: Bool) -> DeliveryEvent {
            policy.afterFailure(
                attempt: attempt, permanent: permanent, reason: reason, conversationId: entry.conversationId,
                messageId: entry.messageId, now: Date())
        }
        let target = try? backend.read { txn -> (ChannelView, String)? in
            guard let record = try backend.views.conversations.record(entry.conversationId, in: txn),
                let psid = record.visitor.externalId,
                let channel = try backend.views.directory.channel(record.channelId, in: txn)
            else { return nil }
            return (channel, psid)
        }
        guard let (channel, psid) = target ?? nil, let pageId = channel.pageId, let credentials = channel.messenger else {
            return failure("the conversation has no Messenger recipient", permanent: true)
        }
        let requests: [MessengerSendRequest]
        do {
            requests = try api.requests(pageId: pageId, pageAccessToken: credentials.pageAccessToken, recipientPSID: psid, text: reply.text)
        } catch {
            return failure("the reply cannot be sent to Messenger: \(error)", permanent: true)
        }
        var messageIds: [String] = []
        for request in requests {
            var http = HTTPClientRequest(url: request.url.absoluteString)
            http.method = HTTPMethod(rawValue: request.method)
            for (name, value) in request.headers { http.headers.add(name: name, value: value) }
            http.body = .bytes(ByteBuffer(bytes: request.body))
            do {
                let response = try await client.execute(http, timeout: .seconds(15))
                let body = try await response.body.collect(upTo: 1 << 20)
                switch MessengerSendOutcome.classify(status: Int(response.status.code), body: Array(body.readableBytesView)) {
                case .sent(let messageId): messageIds.append(messageId)
                case .retryable(let reason): return failure(reason, permanent: false)
                case .permanent(let reason): return failure(reason, permanent: true)
                }
            } catch {
                return failure("the Graph API could not be reached: \(error)", permanent: false)
            }
        }
        return .sent(.init(
            conversationId: entry.conversationId, messageId: entry.messageId, attempt: attempt,
            response: "message_id " + messageIds.joined(separator: ", "), at: Date()))
    }
}
