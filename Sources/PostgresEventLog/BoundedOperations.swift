import InboxCore
import Synchronization

/// Runs the log's database operations under a deadline. An operation that outlives it is abandoned: its caller is
/// answered `PostgresDeadlineExceeded` at once, while the operation is cancelled and finishes inside `run()`, the
/// log's background work. So a database that stops answering holds no caller past the deadline, however the
/// driver reacts to cancellation.
final class BoundedOperations: Sendable {
    private typealias Job = @Sendable () async -> Void
    private let jobs: AsyncStream<Job>
    private let submit: AsyncStream<Job>.Continuation

    init() {
        (jobs, submit) = AsyncStream.makeStream(of: Job.self)
    }

    /// Runs operations until cancelled or `finish()`.
    func run() async {
        await withDiscardingTaskGroup { group in
            for await job in jobs {
                group.addTask { await job() }
            }
        }
    }

    /// Refuses further operations (they fail as `EventLogError.closed`).
    func finish() {
        submit.finish()
    }

    func perform<R: Sendable>(within timeout: Duration, _ body: @escaping @Sendable () async throws -> R) async throws -> R {
        let answer = SingleAnswer<R>()
        return try await withCheckedThrowingContinuation { continuation in
            answer.install(continuation)
            let job: Job = {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        do {
                            answer.resume(with: .success(try await body()))
                        } catch {
                            answer.resume(with: .failure(error))
                        }
                    }
                    group.addTask {
                        try? await Task.sleep(for: timeout)
                        answer.resume(with: .failure(PostgresDeadlineExceeded(timeout: timeout)))
                    }
                    // Whichever ends first answers; the other is cancelled (the operation closes its connection).
                    await group.next()
                    group.cancelAll()
                }
            }
            if case .terminated = submit.yield(job) {
                answer.resume(with: .failure(EventLogError.closed))
            }
        }
    }
}

/// A continuation resumed by the first of several racers, and only once.
private final class SingleAnswer<R: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<R, any Error>?, answered: Bool)>((nil, false))

    func install(_ continuation: CheckedContinuation<R, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    func resume(with result: Result<R, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<R, any Error>? in
            guard !state.answered else { return nil }
            state.answered = true
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(with: result)
    }
}
