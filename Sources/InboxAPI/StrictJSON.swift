import Foundation
import HTTPTypes
import Hummingbird
import InboxCore

/// A request body: decoded strictly, so that a misspelt field is an error rather than silently ignored.
protocol RequestBody: Decodable, Sendable {
    /// The top-level fields accepted.
    static var fields: Set<String> { get }
    /// Fields accepted inside nested objects, by the top-level field holding them.
    static var nestedFields: [String: Set<String>] { get }
}

extension RequestBody {
    static var nestedFields: [String: Set<String>] { [:] }
}

/// A body as received: its decoded value and its bytes (for Idempotency-Key comparisons).
struct ReceivedBody<Body: RequestBody>: Sendable {
    var value: Body
    var bytes: Data
}

enum StrictJSON {
    /// Reads and decodes the body: 413 over the upload limit, 400 when it is not JSON, 422 when it is JSON
    /// of the wrong shape (not an object, unknown fields, wrong types, missing fields).
    static func decode<Body: RequestBody>(
        _ type: Body.Type, from request: Request, context: SwitchboardRequestContext
    ) async throws -> ReceivedBody<Body> {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let bytes = Data(buffer.readableBytesView)
        guard !bytes.isEmpty else { throw APIError.badRequest("The request needs a JSON body.", code: "malformed_json") }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed])
        } catch {
            throw APIError.badRequest("The body is not valid JSON.", code: "malformed_json")
        }
        guard let fields = object as? [String: Any] else {
            throw APIError.unprocessable("The body must be a JSON object.")
        }
        try checkFields(fields, allowed: Body.fields, path: "")
        for (field, allowed) in Body.nestedFields {
            if let nested = fields[field] as? [String: Any] { try checkFields(nested, allowed: allowed, path: "\(field).") }
        }
        do {
            return ReceivedBody(value: try JSONDecoder().decode(Body.self, from: bytes), bytes: bytes)
        } catch let error as DecodingError {
            throw APIError.unprocessable(describe(error))
        }
    }

    /// 422 for the first field (in name order) not in `allowed`.
    static func checkFields(_ fields: [String: Any], allowed: Set<String>, path: String = "") throws {
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError.unprocessable("Unknown field '\(path)\(unknown)'.", code: "unknown_field")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func name(_ path: [any CodingKey]) -> String {
            path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "Field '\(name(context.codingPath + [key]))' is required."
        case .typeMismatch(let type, let context):
            return "Field '\(name(context.codingPath))' must be \(describe(type))."
        case .valueNotFound(let type, let context):
            return "Field '\(name(context.codingPath))' must be \(describe(type)), not null."
        case .dataCorrupted(let context):
            return "Field '\(name(context.codingPath))': \(context.debugDescription)"
        @unknown default:
            return "The body does not have the expected shape."
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is UInt64.Type: "an integer"
        case is [String].Type, is [Any].Type: "an array of strings"
        default: "of another type"
        }
    }
}

/// A field that encodes as `null` when absent, as API.md's shapes require (`"assigneeId": null`).
@propertyWrapper
struct Nullable<Value: Encodable & Sendable & Equatable>: Encodable, Sendable, Equatable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

/// Parses query and body values with API.md's errors.
enum Parameters {
    /// API.md's `limit`: 1...500, default 50.
    static func limit(_ request: Request) throws -> Int {
        guard let text = request.uri.queryParameters.get("limit") else { return 50 }
        guard let limit = Int(text), (1...500).contains(limit) else {
            throw APIError.badRequest("'limit' must be an integer from 1 to 500.", code: "invalid_limit")
        }
        return limit
    }

    /// An RFC 3339 time given by a client.
    static func time(_ text: String?, field: String) throws -> Date? {
        guard let text else { return nil }
        guard let date = Timestamps.parse(text) else {
            throw APIError.unprocessable("Field '\(field)' must be an RFC 3339 time such as 2026-11-24T10:00:00.000Z.")
        }
        return date
    }

    /// A path id: unknown ids answer 404 anyway; malformed ones too, without touching storage.
    static func id(_ context: SwitchboardRequestContext, _ name: String = "id") throws -> String {
        guard let id = context.parameters.get(name), !id.isEmpty, id.utf8.count <= 64,
            id.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7a) || $0 == 0x5f || $0 == 0x2d })
        else { throw APIError.notFound() }
        return id
    }
}
