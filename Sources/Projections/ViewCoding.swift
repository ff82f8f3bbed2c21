import Foundation
import InboxCore
import LMDB

/// JSON rows and byte keys shared by the read models.
enum ViewCoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }()

    static func encode(_ value: some Encodable) throws -> [UInt8] { Array(try encoder.encode(value)) }

    static func decode<T: Decodable>(_ type: T.Type, _ bytes: UnsafeRawBufferPointer) throws -> T {
        try decoder.decode(type, from: Data(bytes))
    }

    /// Reads the row `key` of `database` as `T`.
    static func row<T: Decodable>(
        _ type: T.Type, _ database: Database, _ key: String, in txn: borrowing some Transaction & ~Copyable
    ) throws -> T? {
        try txn.value(database, for: Array(key.utf8)).map { try decode(type, $0) }
    }

    static func put(
        _ value: some Encodable, _ database: Database, _ key: String, in txn: borrowing WriteTransaction
    ) throws {
        try txn.put(database, key: Array(key.utf8), value: try encode(value))
    }

    /// Every row of `database` whose key starts with `prefix`, decoded.
    static func rows<T: Decodable>(
        _ type: T.Type, _ database: Database, prefix: [UInt8] = [], in txn: borrowing some Transaction & ~Copyable
    ) throws -> [T] {
        try txn.withCursor(database) { cursor in
            var rows: [T] = []
            var entry = prefix.isEmpty ? try cursor.first() : try cursor.seek(atOrAfter: prefix)
            while let current = entry, current.key.starts(with: prefix) {
                rows.append(try decode(type, current.value))
                entry = try cursor.next()
            }
            return rows
        }
    }

    /// Every key of `database` that starts with `prefix`, without the prefix.
    static func keys(_ database: Database, prefix: [UInt8], in txn: borrowing some Transaction & ~Copyable) throws -> [[UInt8]] {
        try txn.withCursor(database) { cursor in
            var keys: [[UInt8]] = []
            var entry = try cursor.seek(atOrAfter: prefix)
            while let current = entry, current.key.starts(with: prefix) {
                keys.append(Array(current.key.dropFirst(prefix.count)))
                entry = try cursor.next()
            }
            return keys
        }
    }

    /// One page of the rows under `prefix`, in key order: those `select` keeps, `limit` at most, starting after
    /// the key `after` (a previous page's last). The next key is the last row's when more may follow.
    static func page<T>(
        _ database: Database, prefix: [UInt8], limit: Int, after: [UInt8]?, in txn: borrowing ReadTransaction,
        select: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> T?
    ) throws -> (items: [T], nextKey: [UInt8]?) {
        if let after, !after.starts(with: prefix) || after.count <= prefix.count { throw InvalidCursor() }
        return try txn.withCursor(database) { cursor in
            var items: [T] = []
            var lastKey: [UInt8]?
            var entry = try cursor.seek(atOrAfter: after ?? prefix)
            if let after, let current = entry, current.key.elementsEqual(after) { entry = try cursor.next() }
            while let current = entry, current.key.starts(with: prefix) {
                if let item = try select(current.key, current.value) {
                    if items.count == limit { return (items, lastKey) }
                    items.append(item)
                    lastKey = Array(current.key)
                }
                entry = try cursor.next()
            }
            return (items, nil)
        }
    }

    /// `part` followed by a NUL: a key component that sorts and prefixes cleanly.
    static func component(_ part: String) -> [UInt8] { Array(part.utf8) + [0] }

    static func bigEndian(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

    static func bigEndian(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

    /// Newest first: keys sort ascending, so times are stored inverted.
    static func newestFirst(_ date: Date) -> [UInt8] {
        bigEndian(UInt64.max - UInt64(max(0, (date.timeIntervalSince1970 * 1000).rounded())))
    }
}
