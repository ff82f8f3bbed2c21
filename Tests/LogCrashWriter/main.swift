// Appends to an LMDB event log from many concurrent tasks and writes one line per acknowledged append,
// `<position> <eventId> <stream> <n>`, straight to stdout (one write(2) per line, so a line that reached the
// pipe was acknowledged). Runs until killed; the crash test kills it with SIGKILL mid-stream.
// With `--hold-reader` it instead opens a read transaction, says `ready`, and waits to be killed holding it.
import EventLog
import Foundation
import InboxCore
import LMDB
import Logging

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: log-crash-writer <directory> [tasks | --hold-reader]\n".utf8))
    exit(64)
}
let directory = arguments[1]

if arguments.count > 2, arguments[2] == "--hold-reader" {
    let environment = try Environment(path: directory)
    let database = try environment.openDatabase("things")
    try environment.read { txn in
        _ = try txn.count(database)
        _ = "ready\n".withCString { write(STDOUT_FILENO, $0, strlen($0)) }
        while true { sleep(60) }
    }
}
let tasks = arguments.count > 2 ? Int(arguments[2]) ?? 16 : 16

var quiet = Logger(label: "log-crash-writer")
quiet.logLevel = .critical
let log = try LMDBEventLog(path: directory, logger: quiet)

/// The payload the test recomputes from the envelope to check the record is intact.
func payload(eventId: UUID, stream: String, n: Int) -> Data {
    Data(#"{"eventId":"\#(eventId.uuidString)","n":\#(n),"stream":"\#(stream)","pad":"\#(String(repeating: "x", count: n % 300))"}"#.utf8)
}

try await withThrowingTaskGroup(of: Void.self) { group in
    for t in 0..<tasks {
        group.addTask {
            let stream = "crash-\(t)"
            var n = 0
            while true {
                n += 1
                let id = EventIDs.make()
                let event = ProposedEvent(
                    streamId: StreamID(stream)!, eventId: id, type: "test.crash.v1",
                    actor: ActorRef(kind: .system, id: "crash-writer"), payload: payload(eventId: id, stream: stream, n: n))
                let result = try await log.append(AppendBatch([event]))
                let line = "\(result.lastPosition) \(id.uuidString) \(stream) \(n)\n"
                _ = line.withCString { write(STDOUT_FILENO, $0, strlen($0)) }
            }
        }
    }
    try await group.waitForAll()
}
