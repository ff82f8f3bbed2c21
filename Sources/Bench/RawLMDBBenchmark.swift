import Foundation
import LMDB

/// The ceiling the log is measured against: liblmdb alone writing the same records, keyed by a big-endian
/// position with MDB_APPEND, one durable commit per `batchSize` records; and a plain cursor scan.
struct RawLMDBBenchmark {
    let record: [UInt8]
    let directory: URL

    /// Durable records per second committing `count` records in transactions of `batchSize`.
    func appends(count: Int, batchSize: Int) throws -> Measurement {
        let path = directory.appendingPathComponent("raw-batch-\(batchSize)").path
        try? FileManager.default.removeItem(atPath: path)
        let environment = try Environment(path: path)
        defer { environment.close() }
        let events = try environment.openDatabase("events")
        var position: UInt64 = 0
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            while position < UInt64(count) {
                let size = min(batchSize, count - Int(position))
                try environment.write { txn in
                    for _ in 0..<size {
                        position += 1
                        try txn.put(events, key: key(position), value: record, flags: .append)
                    }
                }
            }
        }
        return Measurement(events: count, elapsed: elapsed, commits: (count + batchSize - 1) / batchSize)
    }

    /// Records per second visiting every record of the batch-`batchSize` run with a cursor, touching each value.
    func scan(batchSize: Int) throws -> Measurement {
        let path = directory.appendingPathComponent("raw-batch-\(batchSize)").path
        let environment = try Environment(path: path)
        defer { environment.close() }
        let events = try environment.openDatabase("events")
        var visited = 0
        var checksum = 0
        let elapsed = try ContinuousClock().measure {
            try environment.read { txn in
                try txn.withCursor(events) { cursor in
                    var entry = try cursor.first()
                    while let current = entry {
                        visited += 1
                        checksum &+= Int(current.value[current.value.count - 1])
                        entry = try cursor.next()
                    }
                }
            }
        }
        precondition(checksum != 0 || visited == 0)
        return Measurement(events: visited, elapsed: elapsed, commits: 0)
    }

    private func key(_ position: UInt64) -> [UInt8] {
        withUnsafeBytes(of: position.bigEndian) { Array($0) }
    }
}
