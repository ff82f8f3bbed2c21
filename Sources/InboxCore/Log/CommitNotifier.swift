import Synchronization

/// Wakes tasks waiting for the log's head to move. Backends call `publish` after each durable commit.
public final class CommitNotifier: Sendable {
    private typealias Continuation = CheckedContinuation<UInt64, any Error>

    /// A wait's life: allocated before it suspends, so a cancellation that comes first is not lost.
    private enum Slot {
        case allocated
        case cancelled
        case waiting(after: UInt64, Continuation)
    }

    private struct State {
        var head: UInt64
        var closed = false
        var nextId: UInt64 = 0
        var slots: [UInt64: Slot] = [:]
    }

    private let state: Mutex<State>

    public init(head: UInt64) {
        state = Mutex(State(head: head))
    }

    /// The last head published.
    public var head: UInt64 { state.withLock { $0.head } }

    /// Records a new head and resumes every waiter it satisfies.
    public func publish(head: UInt64) {
        let ready: [Continuation] = state.withLock { state in
            guard head > state.head else { return [] }
            state.head = head
            var ready: [Continuation] = []
            for (id, slot) in state.slots {
                if case .waiting(let after, let continuation) = slot, after < head {
                    ready.append(continuation)
                    state.slots[id] = nil
                }
            }
            return ready
        }
        for continuation in ready { continuation.resume(returning: head) }
    }

    /// Ends every wait with `EventLogError.closed`, now and from now on.
    public func close() {
        let waiting: [Continuation] = state.withLock { state in
            state.closed = true
            var waiting: [Continuation] = []
            for (id, slot) in state.slots {
                if case .waiting(_, let continuation) = slot {
                    waiting.append(continuation)
                    state.slots[id] = nil
                }
            }
            return waiting
        }
        for continuation in waiting { continuation.resume(throwing: EventLogError.closed) }
    }

    /// Returns the head once it is past `position`.
    public func wait(after position: UInt64) async throws -> UInt64 {
        let id = state.withLock { state in
            state.nextId += 1
            state.slots[state.nextId] = .allocated
            return state.nextId
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: Continuation) in
                enum Outcome { case ready(UInt64), closed, cancelled, waiting }
                let outcome: Outcome = state.withLock { state in
                    if case .cancelled = state.slots[id] {
                        state.slots[id] = nil
                        return .cancelled
                    }
                    if state.head > position || state.closed {
                        state.slots[id] = nil
                        return state.head > position ? .ready(state.head) : .closed
                    }
                    state.slots[id] = .waiting(after: position, continuation)
                    return .waiting
                }
                switch outcome {
                case .ready(let head): continuation.resume(returning: head)
                case .closed: continuation.resume(throwing: EventLogError.closed)
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .waiting: break
                }
            }
        } onCancel: {
            let continuation: Continuation? = state.withLock { state in
                switch state.slots[id] {
                case .waiting(_, let continuation):
                    state.slots[id] = nil
                    return continuation
                case .allocated:
                    state.slots[id] = .cancelled
                    return nil
                case .cancelled, nil:
                    return nil
                }
            }
            continuation?.resume(throwing: CancellationError())
        }
    }
}
