import FormsChannel
import Foundation
import HTTPTypes
import Hummingbird
import InboxCore
import NIOConcurrencyHelpers
import Projections

/// A form channel's public endpoints: `GET /forms/{channelId}` serves the form as an embeddable page, `POST`
/// takes a submission (urlencoded from that page, or JSON from a site's own form). Each accepted submission
/// opens a conversation whose first message lists the fields, linked to the contact by the email given.
/// Submissions are limited per client address; a filled honeypot field is dropped silently.
struct FormRoutes: Sendable {
    let backend: Backend
    let limiter: NIOLockedValueBox<SubmissionRateLimiter>

    init(backend: Backend, limits: SubmissionRateLimiter.Configuration = .init()) {
        self.backend = backend
        limiter = NIOLockedValueBox(SubmissionRateLimiter(configuration: limits))
    }

    func register(on router: Router<SwitchboardRequestContext>) {
        router.get("forms/:id", use: page)
        router.post("forms/:id", use: submit)
    }

    struct Accepted: Encodable, Sendable {
        var conversationId: String?
        var messageId: String?
    }

    @Sendable func page(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let definition = try form(context)
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        let html = FormRenderer.html(definition: definition, action: "/forms/\(definition.channelId)")
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    @Sendable func submit(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let definition = try form(context)
        let client = context.remoteAddress?.ipAddress ?? "unknown"
        if case .limited(let retryAfter) = limiter.withLockedValue({ $0.admit(key: client, now: Date()) }) {
            throw APIError(status: .tooManyRequests, code: "rate_limited", message: "Too many submissions; try again later.", retryAfter: retryAfter)
        }
        let body = Array((try await request.body.collect(upTo: context.maxUploadSize)).readableBytesView)
        let values: [String: String]
        do {
            values = try FormSubmission.parse(body: body, contentType: request.headers[.contentType])
        } catch {
            if error.isUnsupportedMediaType {
                throw APIError(status: .unsupportedMediaType, code: "unsupported_media_type", message: "\(error)")
            }
            throw APIError.badRequest("The submission cannot be read: \(error).", code: "malformed_submission")
        }
        let browser = request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true
        switch FormValidator.validate(definition: definition, values: values) {
        case .dropped:
            // A bot filled the hidden field: it is told what a person is told, and nothing is kept.
            return try answer(Accepted(), browser: browser)
        case .rejected(let problems):
            return try Self.invalid(problems)
        case .accepted(let submission):
            let channel = try backend.read { txn in try backend.views.directory.channel(definition.channelId, in: txn) }
            guard let channel else { throw APIError.notFound("No such form.") }
            let delivery = InboundDelivery(
                channel: channel, actor: ActorRef(kind: .contact, id: submission.email ?? client),
                visitor: Visitor(email: submission.email, name: submission.name),
                text: FormMessage.text(definition: definition, values: submission.values), subject: definition.name)
            let result = try await MessageIntake(backend: backend).accept(delivery)
            if let email = submission.email {
                try await backend.linkContact(
                    email: email, name: submission.name, to: result.conversationId, visitor: delivery.visitor, channelId: channel.id,
                    by: delivery.actor)
            }
            return try answer(Accepted(conversationId: result.conversationId, messageId: result.messageId), browser: browser)
        }
    }

    /// The form channel the path names, as a definition.
    private func form(_ context: SwitchboardRequestContext) throws -> FormDefinition {
        let channelId = try Parameters.id(context)
        let channel = try backend.read { txn in try backend.views.directory.channel(channelId, in: txn) }
        guard let channel, channel.type == "form", let fields = channel.fields else { throw APIError.notFound("No such form.") }
        return FormDefinition(
            channelId: channel.id, name: channel.name ?? "Contact us",
            fields: fields.map { FormField(name: $0.name, label: $0.label, required: $0.required, kind: FormField.Kind(rawValue: $0.kind)) })
    }

    /// 201: JSON for scripts, a short thank-you page for a browser's own form post.
    private func answer(_ accepted: Accepted, browser: Bool) throws -> Response {
        guard browser else { return try JSONOutput.response(accepted, status: .created) }
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        let page = "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Thank you</title>"
            + "<body style=\"font-family:system-ui,sans-serif;margin:3rem\"><h1>Thank you</h1><p>We received your message and will get back to you soon.</p></body></html>"
        return Response(status: .created, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    /// 422 naming every field that is wrong, and why.
    static func invalid(_ problems: [FormFieldProblem]) throws -> Response {
        struct Problem: Encodable { var field: String; var code: String; var message: String }
        struct Body: Encodable {
            struct Detail: Encodable { var code: String; var message: String; var fields: [Problem] }
            var error: Detail
        }
        let fields = problems.map { Problem(field: $0.field, code: $0.code.rawValue, message: $0.message) }
        let message = "Some fields are not valid: " + fields.map { "'\($0.field)' (\($0.code))" }.joined(separator: ", ") + "."
        return try JSONOutput.response(Body(error: .init(code: "invalid_submission", message: message, fields: fields)), status: .unprocessableContent)
    }
}
