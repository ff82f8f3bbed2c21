import Foundation

/// Reads a few top-level string fields of a JSON object in one pass, skipping every other value without
/// building it: a projection that needs two fields of a 400-byte payload pays a fraction of a full decode.
/// Skipped values are only checked for balance, not fully validated; payloads come from `PayloadCoding`.
public enum JSONFields {
    public struct Malformed: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// The fields to read, made once: their UTF-8 bytes are what a payload's keys are compared with.
    public struct Keys: Sendable, ExpressibleByArrayLiteral {
        let names: [String]
        let bytes: [[UInt8]]

        public init(_ names: [String]) {
            precondition(names.count <= 64, "at most 64 fields")
            self.names = names
            bytes = names.map { Array($0.utf8) }
        }

        public init(arrayLiteral names: String...) {
            self.init(names)
        }

        func index(of key: UnsafeRawBufferPointer) -> Int? {
            bytes.firstIndex { wanted in
                wanted.count == key.count && wanted.withUnsafeBytes { memcmp($0.baseAddress!, key.baseAddress!, key.count) == 0 }
            }
        }
    }

    /// The values of `keys` in `data` (a JSON object), in the order of `keys`: nil when absent or `null`. A wanted
    /// field holding anything but a string or `null` is malformed, as it would be for `JSONDecoder`. Reading stops
    /// once every wanted field is found: what follows is not looked at.
    public static func strings(_ keys: Keys, in data: Data) throws(Malformed) -> [String?] {
        var found = [String?](repeating: nil, count: keys.names.count)
        // One bit per field not found yet.
        var missing: UInt64 = keys.names.count == 64 ? .max : (1 << UInt64(keys.names.count)) - 1
        var failure: Malformed?
        data.withUnsafeBytes { bytes in
            var scanner = Scanner(bytes: bytes)
            do {
                try scanner.object { key, scanner throws(Malformed) in
                    if !key.isEmpty, let index = keys.index(of: key) {
                        found[index] = try scanner.stringOrNull(field: keys.names[index])
                        missing &= ~(1 << UInt64(index))
                    } else {
                        try scanner.skipValue()
                    }
                    return missing != 0
                }
            } catch {
                failure = error as? Malformed ?? Malformed(description: "\(error)")
            }
        }
        if let failure { throw failure }
        return found
    }

    private struct Scanner {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        init(bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
        }

        private func fail(_ what: String) -> Malformed {
            Malformed(description: "malformed JSON payload at byte \(offset): \(what)")
        }

        private var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

        private mutating func skipSpace() {
            while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { offset += 1 }
        }

        private mutating func expect(_ byte: UInt8, _ what: String) throws(Malformed) {
            skipSpace()
            guard current == byte else { throw fail("expected \(what)") }
            offset += 1
        }

        /// Calls `field` for each key of the object, positioned on its value, which `field` must consume; stops
        /// early when `field` answers false.
        mutating func object(_ field: (_ key: UnsafeRawBufferPointer, inout Scanner) throws(Malformed) -> Bool) throws(Malformed) {
            try expect(0x7B, "{")
            skipSpace()
            if current == 0x7D {
                offset += 1
            } else {
                while true {
                    skipSpace()
                    let start = offset + 1
                    let escaped = try skipString()
                    if escaped {
                        // Rare: compare the key as it reads once unescaped.
                        offset = start - 1
                        let key = try string()
                        try expect(0x3A, ":")
                        skipSpace()
                        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, key.count), alignment: 1)
                        defer { copy.deallocate() }
                        copy.copyBytes(from: key)
                        guard try field(UnsafeRawBufferPointer(rebasing: copy[0..<key.count]), &self) else { return }
                    } else {
                        let key = UnsafeRawBufferPointer(rebasing: bytes[start..<offset - 1])
                        try expect(0x3A, ":")
                        skipSpace()
                        guard try field(key, &self) else { return }
                    }
                    skipSpace()
                    guard let byte = current else { throw fail("unterminated object") }
                    offset += 1
                    if byte == 0x7D { break }
                    guard byte == 0x2C else { throw fail("expected , or }") }
                }
            }
            skipSpace()
            guard offset == bytes.count else { throw fail("trailing bytes") }
        }

        mutating func stringOrNull(field: String) throws(Malformed) -> String? {
            if current == 0x6E {
                try literal("null")
                return nil
            }
            guard current == 0x22 else { throw fail("'\(field)' is not a string") }
            let start = offset
            if try skipString() {
                offset = start
                return String(decoding: try string(), as: UTF8.self)
            }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start + 1..<offset - 1]), as: UTF8.self)
        }

        /// A string's bytes, escapes resolved; positioned on its opening quote.
        private mutating func string() throws(Malformed) -> [UInt8] {
            guard current == 0x22 else { throw fail("expected a string") }
            offset += 1
            let start = offset
            skipPlainBytes()
            guard let stop = current else { throw fail("unterminated string") }
            var value = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<offset]))
            if stop == 0x22 {
                offset += 1
                return value
            }
            while true {
                guard let byte = current else { throw fail("unterminated string") }
                offset += 1
                switch byte {
                case 0x22: return value
                case 0x5C: try escape(into: &value)
                default: value.append(byte)
                }
            }
        }

        /// Steps over bytes up to the next quote or backslash.
        private mutating func skipPlainBytes() {
            let count = bytes.count
            while offset < count {
                let byte = bytes[offset]
                if byte == 0x22 || byte == 0x5C { return }
                offset += 1
            }
        }

        /// Steps over a string without keeping it; whether it had escapes.
        private mutating func skipString() throws(Malformed) -> Bool {
            guard current == 0x22 else { throw fail("expected a string") }
            offset += 1
            var escaped = false
            while true {
                skipPlainBytes()
                guard let byte = current else { throw fail("unterminated string") }
                offset += 1
                if byte == 0x22 { return escaped }
                escaped = true
                var ignored: [UInt8] = []
                try escape(into: &ignored)
            }
        }

        private mutating func escape(into value: inout [UInt8]) throws(Malformed) {
            guard let byte = current else { throw fail("unterminated escape") }
            offset += 1
            switch byte {
            case 0x22, 0x5C, 0x2F: value.append(byte)
            case 0x62: value.append(0x08)
            case 0x66: value.append(0x0C)
            case 0x6E: value.append(0x0A)
            case 0x72: value.append(0x0D)
            case 0x74: value.append(0x09)
            case 0x75:
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar), current == 0x5C, offset + 1 < bytes.count, bytes[offset + 1] == 0x75 {
                    offset += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw fail("unpaired surrogate") }
                value.append(contentsOf: Array(String(Character(unicode)).utf8))
            default:
                throw fail("bad escape")
            }
        }

        private mutating func hex4() throws(Malformed) -> UInt32 {
            guard offset + 4 <= bytes.count else { throw fail("short \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[offset]
                offset += 1
                switch byte {
                case 0x30...0x39: value = value << 4 | UInt32(byte - 0x30)
                case 0x41...0x46: value = value << 4 | UInt32(byte - 0x37)
                case 0x61...0x66: value = value << 4 | UInt32(byte - 0x57)
                default: throw fail("bad \\u escape")
                }
            }
            return value
        }

        private mutating func literal(_ word: StaticString) throws(Malformed) {
            let count = word.utf8CodeUnitCount
            guard offset + count <= bytes.count,
                UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]).elementsEqual(
                    UnsafeRawBufferPointer(start: word.utf8Start, count: count))
            else { throw fail("bad literal") }
            offset += count
        }

        /// Steps over one value of any kind.
        mutating func skipValue() throws(Malformed) {
            var closers: [UInt8] = []
            repeat {
                skipSpace()
                guard let byte = current else { throw fail("unterminated value") }
                switch byte {
                case 0x22: _ = try skipString()
                case 0x7B, 0x5B:
                    closers.append(byte + 2)
                    offset += 1
                case 0x7D, 0x5D:
                    guard closers.last == byte else { throw fail("unbalanced brackets") }
                    closers.removeLast()
                    offset += 1
                case 0x2C, 0x3A:
                    guard !closers.isEmpty else { throw fail("unexpected separator") }
                    offset += 1
                case 0x74: try literal("true")
                case 0x66: try literal("false")
                case 0x6E: try literal("null")
                case 0x2D, 0x30...0x39:
                    while let digit = current, digit == 0x2D || digit == 0x2B || digit == 0x2E || digit == 0x45 || digit == 0x65
                        || (0x30...0x39).contains(digit)
                    { offset += 1 }
                default:
                    throw fail("unexpected byte")
                }
            } while !closers.isEmpty
        }
    }
}
