import Foundation

/// An `AnalyticsFact` as the analytics view stores and the reports count it: its strings replaced by numbers
/// from a `FactNames` table, and its place in the log kept, so that reports add times up in log order.
public struct FactRecord: Sendable, Equatable {
    public var kind: AnalyticsFact.Kind
    /// Log order: the event's position, then the fact's index among that event's facts (`order(position:index:)`).
    public var order: UInt64
    /// The conversation's number (distinct conversations are counted on it).
    public var conversation: UInt32
    public var inbox: UInt32
    public var channel: UInt32
    public var channelType: UInt32
    /// `FactNames.none` when no user is credited.
    public var user: UInt32
    public var at: Date
    public var seconds: Double?

    public init(
        kind: AnalyticsFact.Kind, order: UInt64, conversation: UInt32, inbox: UInt32, channel: UInt32, channelType: UInt32,
        user: UInt32, at: Date, seconds: Double?
    ) {
        self.kind = kind
        self.order = order
        self.conversation = conversation
        self.inbox = inbox
        self.channel = channel
        self.channelType = channelType
        self.user = user
        self.at = at
        self.seconds = seconds
    }

    /// An event's facts number at most a handful, so the index takes the low byte.
    public static func order(position: UInt64, index: Int) -> UInt64 { position << 8 | UInt64(index & 0xFF) }

    /// The log position of the event the fact came from.
    public var position: UInt64 { order >> 8 }
}

/// The names (ids of inboxes, channels, users; channel types) behind the numbers of `FactRecord`s.
public struct FactNames: Sendable, Equatable {
    /// The number that stands for no name (a fact no user is credited with).
    public static let none: UInt32 = 0

    /// Name of each number; index 0 is `none`'s.
    public private(set) var names: [String] = [""]
    private var numbers: [String: UInt32] = [:]

    public init() {}

    /// The names numbered in order from 1.
    public init(names: [String]) {
        for name in names { _ = number(name) }
    }

    public func name(_ number: UInt32) -> String? {
        number == Self.none || Int(number) >= names.count ? nil : names[Int(number)]
    }

    public func existingNumber(_ name: String) -> UInt32? { numbers[name] }

    /// The number of `name`, given the next one when it is new.
    public mutating func number(_ name: String) -> UInt32 {
        if let known = numbers[name] { return known }
        let next = UInt32(names.count)
        names.append(name)
        numbers[name] = next
        return next
    }
}

extension AnalyticsFact {
    /// The record of the fact at `order`, its names numbered in `names` and its conversation in `conversations`.
    public func record(order: UInt64, names: inout FactNames, conversations: inout FactNames) -> FactRecord {
        FactRecord(
            kind: kind, order: order, conversation: conversations.number(conversationId), inbox: names.number(inboxId),
            channel: names.number(channelId), channelType: names.number(channelType), user: userId.map { names.number($0) } ?? FactNames.none,
            at: at, seconds: seconds)
    }
}
