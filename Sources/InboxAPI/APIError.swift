import Foundation
import HTTPTypes
import Hummingbird
import InboxCore
import Logging

/// An error answered with API.md's body: `{"error": {"code": "snake_case_code", "message": "human text"}}`.
public struct APIError: HTTPResponseError, Sendable, Equatable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    /// Seconds for `Retry-After` (429s).
    public let retryAfter: Int?

    public init(status: HTTPResponse.Status, code: String, message: String, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    public static func badRequest(_ message: String, code: String = "bad_request") -> Self {
        Self(status: .badRequest, code: code, message: message)
    }
    public static func unauthorized(_ message: String = "A valid bearer token is required.") -> Self {
        Self(status: .unauthorized, code: "unauthorized", message: message)
    }
    public static func forbidden(_ message: String = "This token may not do that.") -> Self {
        Self(status: .forbidden, code: "forbidden", message: message)
    }
    public static func notFound(_ message: String = "No such resource.") -> Self {
        Self(status: .notFound, code: "not_found", message: message)
    }
    public static func conflict(_ message: String, code: String = "conflict") -> Self {
        Self(status: .conflict, code: code, message: message)
    }
    public static func unprocessable(_ message: String, code: String = "invalid_value") -> Self {
        Self(status: .unprocessableContent, code: code, message: message)
    }
    public static func unavailable(_ message: String) -> Self {
        Self(status: .serviceUnavailable, code: "unavailable", message: message)
    }
    public static func internalError() -> Self {
        Self(status: .internalServerError, code: "internal_error", message: "The server failed; the request may be retried.")
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        let body = ErrorBody(error: .init(code: code, message: message))
        let data = try JSONEncoder().encode(body)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    struct ErrorBody: Codable, Equatable {
        struct Detail: Codable, Equatable {
            var code: String
            var message: String
        }
        var error: Detail
    }
}

/// Turns every error into API.md's error body: our own errors as they are, the framework's by their status,
/// anything else as a 500 whose details go to the log only.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as EventLogError {
            if !error.isUnavailable { context.logger.error("Request failed", metadata: ["error": "\(error)"]) }
            throw APIError.from(error)
        } catch let error as any HTTPResponseError {
            throw APIError(status: error.status, code: Self.code(for: error.status), message: Self.message(for: error))
        } catch {
            context.logger.error("Request failed", metadata: ["error": "\(error)"])
            throw APIError.internalError()
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .contentTooLarge: "payload_too_large"
        case .unauthorized: "unauthorized"
        case .forbidden: "forbidden"
        case .unprocessableContent: "invalid_value"
        case .tooManyRequests: "rate_limited"
        default: status.code < 500 ? "bad_request" : "internal_error"
        }
    }

    static func message(for error: any HTTPResponseError) -> String {
        if let error = error as? HTTPError, let body = error.body { return body }
        return error.status.reasonPhrase
    }
}
