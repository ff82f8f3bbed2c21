import InboxCore
import Testing

@Suite struct CommitNotifierTests {
    @Test func aWaitAlreadySatisfiedReturnsAtOnce() async throws {
        let notifier = CommitNotifier(head: 5)
        #expect(try await notifier.wait(after: 4) == 5)
    }

    @Test func aWaitReturnsOnTheFirstCommitPastItsPosition() async throws {
        let notifier = CommitNotifier(head: 0)
        let head = try await withThrowingTaskGroup(of: UInt64?.self) { group in
            group.addTask { try await notifier.wait(after: 1) }
            group.addTask {
                try await Task.sleep(for: .milliseconds(10))
                notifier.publish(head: 1)  // not past 1 yet
                try await Task.sleep(for: .milliseconds(10))
                notifier.publish(head: 3)
                return nil
            }
            var head: UInt64?
            for try await value in group where value != nil { head = value }
            return head
        }
        #expect(head == 3)
    }

    @Test func closingEndsEveryWaitAndEveryLaterOne() async throws {
        let notifier = CommitNotifier(head: 0)
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await #expect(throws: EventLogError.closed) { try await notifier.wait(after: 0) }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(10))
                notifier.close()
            }
        }
        await #expect(throws: EventLogError.closed) { try await notifier.wait(after: 0) }
    }

    @Test func cancellingAWaitEndsItWithCancellationError() async throws {
        let notifier = CommitNotifier(head: 0)
        let task = Task { try await notifier.wait(after: 0) }
        try await Task.sleep(for: .milliseconds(10))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        notifier.publish(head: 1)  // nobody is left to resume
    }
}
