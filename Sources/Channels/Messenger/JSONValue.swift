import Foundation
import InboxCore

/// Walking Meta's documents by hand (InboxCore's `JSONValue`), so one malformed messaging item can be skipped
/// without failing the batch and unknown fields cost nothing.
extension JSONValue {
    /// Parses `bytes`, or nil when they are not a JSON document.
    static func parse(_ bytes: some DataProtocol) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] } else { return nil }
    }

    var object: [String: JSONValue]? {
        if case .object(let members) = self { return members } else { return nil }
    }

    var array: [JSONValue]? {
        if case .array(let elements) = self { return elements } else { return nil }
    }

    var string: String? {
        if case .string(let text) = self { return text } else { return nil }
    }

    var bool: Bool? {
        if case .bool(let flag) = self { return flag } else { return nil }
    }

    /// Meta sends ids as strings but has been seen sending numbers (app ids, older payloads): accept both.
    var identifier: String? {
        switch self {
        case .string(let text): return text.isEmpty ? nil : text
        case .number(let number) where number == number.rounded() && abs(number) < 9e15: return String(Int64(number))
        default: return nil
        }
    }

    /// A whole number given as a number or as a string of digits (the dashboard's test payloads use strings).
    var integer: Int64? {
        switch self {
        case .number(let number) where number == number.rounded() && abs(number) < 9e15: return Int64(number)
        case .string(let text): return Int64(text)
        default: return nil
        }
    }
}
