import EmailChannel
import Foundation
import Testing

/// What a corpus message must parse to, as stated in its `.json` file next to the `.eml`.
struct CorpusExpectation: Decodable {
    struct Address: Decodable, Equatable, CustomStringConvertible {
        var address: String
        var name: String?
        var description: String { "\(name ?? "-") <\(address)>" }
    }

    struct Attachment: Decodable, Equatable {
        var filename: String?
        var contentType: String
        var size: Int
        var isInline: Bool
    }

    /// For messages with too many parts to list one by one.
    struct AttachmentSummary: Decodable {
        var count: Int
        var totalSize: Int
        var contentType: String
    }

    var from: Address?
    var subject: String?
    var messageID: String?
    var inReplyTo: [String]
    var references: [String]
    var text: String?
    var textContains: [String]?
    var html: Bool
    var attachments: [Attachment]?
    var attachmentSummary: AttachmentSummary?
    var autoSubmitted: String?
    var defects: Bool
    /// Present when the file states a date: nil means "no usable date".
    var date: String??
    var to: [Address]?
    var cc: [Address]?

    enum CodingKeys: String, CodingKey {
        case from, subject, messageID, inReplyTo, references, text, textContains, html, attachments, attachmentSummary
        case autoSubmitted, defects, date, to, cc
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // These keys must be stated (possibly as null) in every expectation file.
        from = try container.decode(Address?.self, forKey: .from)
        subject = try container.decode(String?.self, forKey: .subject)
        messageID = try container.decode(String?.self, forKey: .messageID)
        inReplyTo = try container.decode([String].self, forKey: .inReplyTo)
        references = try container.decode([String].self, forKey: .references)
        html = try container.decode(Bool.self, forKey: .html)
        attachments = try container.decode([Attachment]?.self, forKey: .attachments)
        autoSubmitted = try container.decode(String?.self, forKey: .autoSubmitted)
        defects = try container.decode(Bool.self, forKey: .defects)
        text = try container.decodeIfPresent(String.self, forKey: .text)
        textContains = try container.decodeIfPresent([String].self, forKey: .textContains)
        attachmentSummary = try container.decodeIfPresent(AttachmentSummary.self, forKey: .attachmentSummary)
        date = container.contains(.date) ? .some(try container.decode(String?.self, forKey: .date)) : .none
        to = try container.decodeIfPresent([Address].self, forKey: .to)
        cc = try container.decodeIfPresent([Address].self, forKey: .cc)
        if text == nil, textContains == nil {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "state text or textContains"))
        }
        if attachments == nil, attachmentSummary == nil {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "state attachments or attachmentSummary"))
        }
    }
}

enum MIMECorpus {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")

    /// Every file name in the corpus directory, sorted.
    static let files: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted()
    }()

    /// The base names (without extension) of the `.eml` messages.
    static let messages: [String] = files.filter { $0.hasSuffix(".eml") }.map { String($0.dropLast(4)) }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name + ".eml")))
    }

    static func expectation(_ name: String) throws -> CorpusExpectation {
        let data = try Data(contentsOf: directory.appendingPathComponent(name + ".json"))
        return try JSONDecoder().decode(CorpusExpectation.self, from: data)
    }
}

@Suite("MIME parser: corpus")
struct MIMECorpusTests {
    @Test("the corpus is complete: enough messages, each with its expectation, both line-ending styles")
    func corpusIsComplete() throws {
        #expect(MIMECorpus.messages.count >= 45, "only \(MIMECorpus.messages.count) messages in \(MIMECorpus.directory.path)")
        for name in MIMECorpus.messages {
            #expect(MIMECorpus.files.contains(name + ".json"), "\(name).eml has no \(name).json")
        }
        for file in MIMECorpus.files where file.hasSuffix(".json") {
            #expect(MIMECorpus.messages.contains(String(file.dropLast(5))), "\(file) has no message")
        }
        var crlf = 0
        var lf = 0
        for name in MIMECorpus.messages {
            let bytes = try MIMECorpus.bytes(name)
            if let newline = bytes.firstIndex(of: 10) {
                if newline > 0, bytes[newline - 1] == 13 { crlf += 1 } else { lf += 1 }
            }
        }
        #expect(crlf >= 10 && lf >= 10, "CRLF: \(crlf), LF: \(lf)")
    }

    @Test("each corpus message parses to its expectation", arguments: MIMECorpus.messages)
    func parsesToExpectation(name: String) throws {
        let expected = try MIMECorpus.expectation(name)
        let mail = MailParser.parse(try MIMECorpus.bytes(name))

        #expect(mail.from.map { CorpusExpectation.Address(address: $0.address, name: $0.name) } == expected.from, "from")
        #expect(mail.subject == expected.subject, "subject")
        #expect(mail.messageID == expected.messageID, "messageID")
        #expect(mail.inReplyTo == expected.inReplyTo, "inReplyTo")
        #expect(mail.references == expected.references, "references")
        if let text = expected.text { #expect(mail.text == text, "text") }
        for fragment in expected.textContains ?? [] {
            #expect(mail.text.contains(fragment), "text lacks \(fragment.prefix(80))")
        }
        #expect((mail.html != nil) == expected.html, "html present")
        #expect(mail.autoSubmitted?.rawValue == expected.autoSubmitted, "autoSubmitted")
        #expect(mail.defects.isEmpty == !expected.defects, "defects: \(mail.defects)")
        if let attachments = expected.attachments {
            let actual = mail.attachments.map {
                CorpusExpectation.Attachment(filename: $0.filename, contentType: $0.contentType, size: $0.data.count, isInline: $0.isInline)
            }
            #expect(actual == attachments, "attachments")
        }
        if let summary = expected.attachmentSummary {
            #expect(mail.attachments.count == summary.count)
            #expect(mail.attachments.reduce(0) { $0 + $1.data.count } == summary.totalSize)
            #expect(mail.attachments.allSatisfy { $0.contentType == summary.contentType })
        }
        if case .some(let date) = expected.date {
            #expect(mail.date == date.flatMap { try? Date($0, strategy: .iso8601) }, "date")
        }
        if let to = expected.to {
            #expect(mail.to.map { CorpusExpectation.Address(address: $0.address, name: $0.name) } == to, "to")
        }
        if let cc = expected.cc {
            #expect(mail.cc.map { CorpusExpectation.Address(address: $0.address, name: $0.name) } == cc, "cc")
        }
    }

    @Test("a corpus message reads the same with the other line-ending style", arguments: MIMECorpus.messages)
    func lineEndingsDoNotMatter(name: String) throws {
        let bytes = try MIMECorpus.bytes(name)
        var lf: [UInt8] = []
        lf.reserveCapacity(bytes.count)
        for (index, byte) in bytes.enumerated() where !(byte == 13 && index + 1 < bytes.count && bytes[index + 1] == 10) {
            lf.append(byte)
        }
        let crlf = lf.flatMap { $0 == 10 ? [13, 10] : [$0] }
        let one = MailParser.parse(lf)
        let other = MailParser.parse(crlf)
        #expect(one.subject == other.subject)
        #expect(one.from == other.from)
        #expect(one.messageID == other.messageID)
        #expect(one.references == other.references)
        #expect(one.text == other.text)
        #expect(one.html == other.html)
        #expect(one.attachments.count == other.attachments.count)
        #expect(one.attachments.map(\.filename) == other.attachments.map(\.filename))
        #expect(one.autoSubmitted == other.autoSubmitted)
        #expect(one.defects.isEmpty == other.defects.isEmpty)
    }
}
