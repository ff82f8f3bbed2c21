import Foundation
import HTTPTypes
import Hummingbird
import InboxCore
import MessengerChannel
import Projections

/// Meta's webhook for Messenger: `GET /webhooks/messenger` answers the subscription handshake, `POST` takes
/// message deliveries signed with the app secret (`X-Hub-Signature-256`). A delivery is answered 200 only once
/// every message in it is durable; a redelivered `mid` appends nothing. No bearer token: the signature is the
/// authentication.
struct MessengerRoutes: Sendable {
    let backend: Backend
    /// Meta's deliveries are small; this bounds what an unauthenticated caller can make us read.
    static let maxBodyBytes = 1 << 20

    func register(on router: Router<SwitchboardRequestContext>) {
        router.get("webhooks/messenger", use: verify)
        router.post("webhooks/messenger", use: receive)
    }

    @Sendable func verify(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let tokens = try backend.read { txn in try backend.views.directory.messengerVerifyTokens(in: txn) }
        func parameter(_ name: String) -> String? { query.get(name).map { String($0) } }
        let challenge: String
        do {
            challenge = try MessengerVerification.challenge(
                mode: parameter(MessengerVerification.modeParameter), verifyToken: parameter(MessengerVerification.verifyTokenParameter),
                challenge: parameter(MessengerVerification.challengeParameter), configuredTokens: tokens)
        } catch MessengerVerification.Failure.missingChallenge {
            throw APIError.badRequest("hub.challenge is required.", code: "missing_challenge")
        } catch {
            throw APIError.forbidden("The subscription could not be verified: \(error).")
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: challenge)))
    }

    @Sendable func receive(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let body = Array((try await request.body.collect(upTo: Self.maxBodyBytes)).readableBytesView)
        let signature = request.headers[HTTPField.Name(MessengerSignature.headerName)!]
        // Nothing from the body is trusted before its signature is: the pages it names only pick the secrets to try.
        let batch: MessengerWebhook.Batch
        do {
            batch = try MessengerWebhook.decode(body: body)
        } catch {
            guard signature != nil else { throw Self.badSignature }
            throw APIError.badRequest("The delivery is not a Messenger page webhook: \(error).", code: "malformed_webhook")
        }
        let pages = Set(batch.messages.map(\.pageId))
        let channels = try backend.read { txn in
            try pages.sorted().map { pageId in (pageId, try backend.views.directory.messengerChannel(pageId: pageId, in: txn)) }
        }
        // The app secret of the pages named; a delivery naming none (read receipts...) may be signed by any.
        let candidates = pages.isEmpty
            ? try backend.read { txn in try backend.views.directory.messengerAppSecrets(in: txn) }
            : channels.compactMap { $0.1?.messenger?.appSecret }
        guard candidates.contains(where: { MessengerSignature.matches(header: signature, body: body, secret: $0) }) else {
            throw Self.badSignature
        }

        let byPage = Dictionary(channels.compactMap { pageId, channel in channel.map { (pageId, $0) } }) { first, _ in first }
        for message in batch.messages {
            guard let channel = byPage[message.pageId] else { continue }
            _ = try await MessageIntake(backend: backend).accept(Self.delivery(message, channel: channel))
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "EVENT_RECEIVED")))
    }

    static let badSignature = APIError.forbidden("The X-Hub-Signature-256 signature is missing or wrong.")

    /// A Messenger message as an inbound message: one conversation per person (PSID) and page, attachments as links.
    static func delivery(_ message: MessengerInboundMessage, channel: ChannelView) -> InboundDelivery {
        var lines = message.text.map { [$0] } ?? []
        lines += message.attachments.map { attachment in "[\(attachment.type)] \(attachment.url ?? "(no link)")" }
        var delivery = InboundDelivery(
            channel: channel, actor: ActorRef(kind: .contact, id: message.senderPSID),
            visitor: Visitor(externalId: message.senderPSID), text: lines.joined(separator: "\n"), sentAt: message.sentAt)
        delivery.thread = .external(message.senderPSID)
        delivery.externalMessageId = message.mid
        delivery.dedupeStream = ChannelEvent.messageStream(channelId: channel.id, externalMessageId: message.mid)
        return delivery
    }
}
