import Synchronization

/// A flag one task raises and others read, such as "the server has been restarted".
public final class TestFlag: Sendable {
    private let value = Atomic(false)

    public init() {}

    public var isSet: Bool { value.load(ordering: .acquiring) }

    public func set() { value.store(true, ordering: .releasing) }
}
