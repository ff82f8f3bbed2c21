import Foundation
import InboxCore

/// Reads the body a browser or an integration posts to `POST /forms/{channelId}` into field values.
public enum FormSubmission {
    /// Why a body could not be read. ``unsupportedMediaType`` maps to 415, every other case to 400.
    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// Neither `application/x-www-form-urlencoded` nor `application/json`; carries the header sent.
        case unsupportedMediaType(String?)
        /// A `%` not followed by two hex digits, in the named key (or value of that key).
        case malformedPercentEscape(field: String)
        /// The bytes (after percent-decoding) are not UTF-8.
        case invalidUTF8
        /// The same field twice: the forms this server renders never do that, so it is tampering or a mistake.
        case repeatedField(String)
        /// A pair with an empty name (`=value`).
        case emptyFieldName
        /// A JSON body that does not parse or is not an object.
        case invalidJSON
        /// A JSON value that is an object or an array.
        case nestedValue(field: String)

        /// True when the answer should be 415 rather than 400.
        public var isUnsupportedMediaType: Bool {
            if case .unsupportedMediaType = self { return true } else { return false }
        }

        /// A sentence for the response body.
        public var description: String {
            switch self {
            case .unsupportedMediaType(let type):
                return "send application/x-www-form-urlencoded or application/json (got \(type ?? "no content type"))"
            case .malformedPercentEscape(let field): return "malformed percent escape in \"\(field)\""
            case .invalidUTF8: return "the submission is not valid UTF-8"
            case .repeatedField(let name): return "the field \"\(name)\" appears more than once"
            case .emptyFieldName: return "a field has an empty name"
            case .invalidJSON: return "the body must be a JSON object"
            case .nestedValue(let field): return "the field \"\(field)\" must be a string, number or boolean"
            }
        }
    }

    /// The submitted values by field name.
    ///
    /// URL-encoded bodies turn `+` into a space and decode `%XX` escapes; JSON bodies must be one object whose
    /// values are strings, numbers or booleans (converted to text; `null` counts as absent). The media type is
    /// matched case-insensitively and its parameters (`charset=utf-8`) ignored: the bytes must be UTF-8.
    public static func parse(body: [UInt8], contentType: String?) throws(ParseError) -> [String: String] {
        let mediaType = contentType?.split(separator: ";", maxSplits: 1).first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        switch mediaType {
        case "application/x-www-form-urlencoded": return try parseURLEncoded(body)
        case "application/json": return try parseJSON(body)
        default: throw .unsupportedMediaType(contentType)
        }
    }

    private static func parseURLEncoded(_ body: [UInt8]) throws(ParseError) -> [String: String] {
        var values: [String: String] = [:]
        for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let rawName = parts[0]
            let rawValue = parts.count > 1 ? parts[1] : []
            let nameForErrors = String(decoding: rawName.prefix(64), as: UTF8.self)
            let name = try decodeComponent(rawName, field: nameForErrors)
            guard !name.isEmpty else { throw .emptyFieldName }
            let value = try decodeComponent(rawValue, field: name)
            guard values.updateValue(value, forKey: name) == nil else { throw .repeatedField(name) }
        }
        return values
    }

    /// `+` to space, `%XX` to its byte, then UTF-8.
    private static func decodeComponent(_ bytes: ArraySlice<UInt8>, field: String) throws(ParseError) -> String {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "+"):
                decoded.append(UInt8(ascii: " "))
                index += 1
            case UInt8(ascii: "%"):
                guard index + 2 < bytes.endIndex,
                    let high = Hex.digitValue(bytes[index + 1]), let low = Hex.digitValue(bytes[index + 2])
                else { throw .malformedPercentEscape(field: field) }
                decoded.append(high << 4 | low)
                index += 3
            default:
                decoded.append(byte)
                index += 1
            }
        }
        guard let text = String(validating: decoded, as: UTF8.self) else { throw .invalidUTF8 }
        return text
    }

    private static func parseJSON(_ body: [UInt8]) throws(ParseError) -> [String: String] {
        guard String(validating: body, as: UTF8.self) != nil else { throw .invalidUTF8 }
        let object: [String: FlatValue]
        do {
            object = try JSONDecoder().decode([String: FlatValue].self, from: Data(body))
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw .nestedValue(field: context.codingPath.last?.stringValue ?? "")
        } catch {
            throw .invalidJSON
        }
        var values: [String: String] = [:]
        for (name, value) in object {
            guard !name.isEmpty else { throw .emptyFieldName }
            if let text = value.text { values[name] = text }
        }
        return values
    }

    /// A JSON member value that is not an object or array.
    private struct FlatValue: Decodable {
        var text: String?

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                text = nil
            } else if let string = try? container.decode(String.self) {
                text = string
            } else if let flag = try? container.decode(Bool.self) {
                text = flag ? "true" : "false"
            } else if let integer = try? container.decode(Int64.self) {
                text = String(integer)
            } else if let number = try? container.decode(Double.self) {
                text = String(number)
            } else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "nested value"))
            }
        }
    }
}
