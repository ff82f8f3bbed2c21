import Foundation
import InboxCore
import Testing

/// Every event type has a payload schema in `Schemas/events/<tag>.schema.json` that describes exactly what the
/// code writes: real payloads match it, and it rejects what the code never writes.
@Suite struct EventSchemaTests {
    /// One kind of stream's events: an `EventFamily`'s tags, or the bootstrap's own.
    struct Family: Sendable, CustomTestStringConvertible {
        var name: String
        var tags: [String]
        var testDescription: String { name }
    }

    static let families: [Family] = [
        Family(name: "UserEvent", tags: UserEvent.Tag.allCases.map(\.rawValue)),
        Family(name: "TeamEvent", tags: TeamEvent.Tag.allCases.map(\.rawValue)),
        Family(name: "InboxEvent", tags: InboxEvent.Tag.allCases.map(\.rawValue)),
        Family(name: "ChannelEvent", tags: ChannelEvent.Tag.allCases.map(\.rawValue)),
        Family(name: "ConversationEvent", tags: ConversationEvent.Tag.allCases.map(\.rawValue)),
        Family(name: "ContactEvent", tags: ContactEvent.Tag.allCases.map(\.rawValue)),
        Family(name: "IdempotencyEvent", tags: IdempotencyEvent.Tag.allCases.map(\.rawValue)),
        Family(name: "RoutingEvent", tags: RoutingEvent.Tag.allCases.map(\.rawValue)),
        Family(name: "NotificationEvent", tags: NotificationEvent.Tag.allCases.map(\.rawValue)),
        Family(name: "WebhookEvent", tags: WebhookEvent.Tag.allCases.map(\.rawValue)),
        Family(name: "DeliveryEvent", tags: DeliveryEvent.Tag.allCases.map(\.rawValue)),
        Family(name: "ChatEvent", tags: ChatEvent.Tag.allCases.map(\.rawValue)),
        Family(name: "AdminBootstrap", tags: bootstrapTags),
    ]

    static let allTags = families.flatMap(\.tags)

    /// The tags the first-admin bootstrap writes besides user events (it has no `Tag` enum of its own).
    static var bootstrapTags: [String] {
        let command = AdminBootstrap.Command(userId: Identifiers.make(), tokenId: Identifiers.make(), tokenHash: "")
        let events = (try? AdminBootstrap.decide(command, head: 0))?.events ?? []
        return events.map(\.type).filter { !UserEvent.owns($0) }
    }

    // MARK: One schema per tag

    @Test(arguments: EventSchemaTests.families) func everyTagOfAFamilyHasASchemaFile(_ family: Family) {
        #expect(!family.tags.isEmpty, "\(family.name) has tags")
        for tag in family.tags {
            let path = SchemaSupport.eventsDirectory.appendingPathComponent("\(tag).schema.json").path
            #expect(FileManager.default.fileExists(atPath: path), "\(family.name): no schema for \(tag)")
        }
    }

    @Test func noSchemaFileExistsWithoutATag() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: SchemaSupport.eventsDirectory.path)
        let expected = Set(Self.allTags.map { "\($0).schema.json" })
        #expect(Set(files).subtracting(expected).sorted() == [], "files in Schemas/events that no tag names")
        #expect(Set(Self.allTags).count == Self.allTags.count, "no tag belongs to two families")
    }

    @Test(arguments: EventSchemaTests.allTags) func aSchemaNamesItsTagAndFollowsTheHouseFormat(_ tag: String) throws {
        let schema = try SchemaSupport.schema(SchemaSupport.eventSchemaPath(tag))
        #expect(schema["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        #expect(schema["$id"] as? String == "https://switchboard.localhost/schemas/events/\(tag).schema.json")
        #expect(schema["title"] as? String == tag)
        #expect((schema["description"] as? String)?.contains("Stream: ") == true, "the description names the stream")
        #expect(schema["type"] as? String == "object")
        #expect(schema["additionalProperties"] as? Bool == false)
    }

    // MARK: Real payloads

    @Test(arguments: EventSchemaTests.allTags) func whatTheCodeWritesMatchesTheSchemaOfItsTag(_ tag: String) throws {
        let payloads = try #require(try EventSamples.byType()[tag], "\(tag) is sampled")
        let (status, errors) = try validate(SchemaSupport.eventSchemaPath(tag), payloads)
        #expect(status == 0, "\(tag): \(errors)")
    }

    @Test func everyTagIsSampled() throws {
        #expect(Set(try EventSamples.byType().keys) == Set(Self.allTags))
    }

    /// The samples set and unset every optional: a field in every payload is required, any other is optional.
    @Test(arguments: EventSchemaTests.allTags) func aSchemaRequiresTheFieldsAlwaysWrittenAndAllowsOnlyThoseEverWritten(_ tag: String) throws {
        let payloads = try #require(try EventSamples.byType()[tag])
        let keys = try payloads.map { Set(try SchemaSupport.object($0).keys) }
        let always = keys.dropFirst().reduce(keys.first ?? []) { $0.intersection($1) }
        let ever = keys.reduce(Set<String>()) { $0.union($1) }
        let schema = try SchemaSupport.schema(SchemaSupport.eventSchemaPath(tag))
        let required = try #require(schema["required"] as? [String])
        let properties = try #require(schema["properties"] as? [String: Any])
        #expect(Set(required) == always, "\(tag): required fields")
        #expect(required.count == Set(required).count, "\(tag): required lists a field once")
        #expect(Set(properties.keys) == ever, "\(tag): properties")
    }

    @Test func schemaEnumsListTheValuesOfTheSwiftTypes() throws {
        func values(_ tag: String, _ field: String) throws -> Set<String> {
            let properties = try SchemaSupport.schema(SchemaSupport.eventSchemaPath(tag))["properties"] as? [String: Any]
            return Set(((properties?[field] as? [String: Any])?["enum"] as? [String]) ?? [])
        }
        #expect(try values("user.registered.v1", "role") == Set(Role.allCases.map(\.rawValue)))
        #expect(try values("channel.connected.v1", "type") == Directory.channelTypes)
        #expect(try values("conversation.started.v1", "channelType") == Directory.channelTypes)
        let reasons: [ConversationEvent.Reopened.Reason] = [.user, .inboundMessage]
        #expect(try values("conversation.reopened.v1", "reason") == Set(reasons.map(\.rawValue)))
        #expect(try values("conversation.filtered.v1", "reason") == Set(EmailFilters.Reason.allCases.map(\.rawValue)))
    }

    // MARK: What the schemas reject

    @Test(arguments: EventSchemaTests.families) func aSchemaRejectsAPayloadMissingAnyRequiredField(_ family: Family) throws {
        let samples = try EventSamples.byType()
        for tag in family.tags {
            let payload = try SchemaSupport.object(try #require(samples[tag]?.first, "\(tag) is sampled"))
            let required = try #require(try SchemaSupport.schema(SchemaSupport.eventSchemaPath(tag))["required"] as? [String])
            #expect(!required.isEmpty, "\(tag) requires something")
            let documents = try required.map { field in
                var object = payload
                object[field] = nil
                return try JSONSerialization.data(withJSONObject: object)
            }
            let (status, errors) = try validate(SchemaSupport.eventSchemaPath(tag), documents)
            #expect(status == 1, "\(tag): a payload missing a required field is rejected")
            for (index, field) in required.enumerated() {
                #expect(errors.contains("/\(index).json: $: '\(field)' is a required property"), "\(tag) without \(field): \(errors)")
            }
        }
    }

    /// A payload's field replaced (nil: removed), and where the validator is expected to object.
    struct Edit: CustomStringConvertible {
        var tag: String
        var field: String
        var value: Any?
        var objection: String
        var description: String { "\(tag) \(field) = \(value.map { "\($0)" } ?? "nil")" }
    }

    @Test func aSchemaRejectsValuesTheCodeNeverWrites() throws {
        let samples = try EventSamples.byType()
        let edits = [
            Edit(tag: "user.registered.v1", field: "userId", value: "0190C1F8-A0B2-7C3D-8E4F-5A6B7C8D9E0F", objection: "$.userId"),
            Edit(tag: "user.registered.v1", field: "email", value: "Ana@Example.com", objection: "$.email"),
            Edit(tag: "user.registered.v1", field: "role", value: "owner", objection: "$.role"),
            Edit(tag: "user.token_issued.v1", field: "tokenHash", value: "sb_secret", objection: "$.tokenHash"),
            Edit(tag: "team.created.v1", field: "memberIds", value: ["u1", "u1"], objection: "$.memberIds"),
            Edit(tag: "channel.connected.v1", field: "type", value: "sms", objection: "$.type"),
            Edit(tag: "channel.connected.v1", field: "extra", value: "x", objection: "$: Additional properties"),
            Edit(tag: "conversation.started.v1", field: "visitor", value: ["name": "Carla"], objection: "$.visitor"),
            Edit(tag: "conversation.message_received.v1", field: "receivedAt", value: "2026-11-24T10:00:00Z", objection: "$.receivedAt"),
            Edit(tag: "conversation.message_received.v1", field: "text", value: NSNull(), objection: "$.text"),
            Edit(tag: "conversation.message_filtered.v1", field: "email",
                 value: ["inReplyTo": [], "references": ["no-brackets"], "recipients": [], "source": "abc"], objection: "$.email"),
            Edit(tag: "conversation.reply_posted.v1", field: "email", value: ["from": "help@shop.example"], objection: "$.email"),
            Edit(tag: "inbox.email_filters_changed.v1", field: "filters",
                 value: ["blockedSenders": ["Spam@x.com"], "blockedDomains": [], "dropAutoReplies": true], objection: "$.filters"),
            Edit(tag: "delivery.retry_scheduled.v1", field: "attempt", value: 0, objection: "$.attempt"),
            Edit(tag: "conversation.reply_posted.v1", field: "delivery", value: NSNull(), objection: "$.delivery"),
            Edit(tag: "conversation.reopened.v1", field: "reason", value: "inboundMessage", objection: "$.reason"),
            Edit(tag: "conversation.assigned.v1", field: "previousAssigneeId", value: nil, objection: "$: "),
            Edit(tag: "conversation.marked_read.v1", field: "inboundMessages", value: -1, objection: "$.inboundMessages"),
            Edit(tag: "contact.identity_claimed.v1", field: "identity",
                 value: ["kind": "email", "value": "ana@example.com", "channelId": "c1"], objection: "$.identity"),
            Edit(tag: "idempotency.recorded.v1", field: "status", value: 409, objection: "$.status"),
        ]
        for edit in edits {
            // The assigned sample to edit is the unassignment: without its previous assignee it names nobody.
            let candidates = try #require(samples[edit.tag], "\(edit.tag) is sampled")
            let payload = try #require(edit.tag == "conversation.assigned.v1" ? candidates.last : candidates.first)
            var object = try SchemaSupport.object(payload)
            object[edit.field] = edit.value
            let (status, errors) = try validate(SchemaSupport.eventSchemaPath(edit.tag), [try JSONSerialization.data(withJSONObject: object)])
            #expect(status == 1 && errors.contains(edit.objection), "\(edit): \(errors)")
        }
    }
}
