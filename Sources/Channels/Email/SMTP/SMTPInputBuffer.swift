/// Bytes received from the client but not yet processed, split into command lines on demand.
///
/// Command lines end at LF (a preceding CR is stripped), so bare-LF clients work. Over-long
/// lines are discarded as they arrive instead of being buffered, so a client cannot make the
/// server hold more than about one line plus one read of input.
struct SMTPInputBuffer: Sendable {
    /// The outcome of asking for the next command line.
    enum LineResult: Equatable {
        /// A complete line, without CR/LF.
        case line([UInt8])
        /// A line longer than the limit ended; its bytes have been dropped.
        case tooLong
        /// No complete line is buffered yet.
        case needMoreData
    }

    private var bytes: [UInt8] = []
    private var readIndex = 0
    /// How many unread bytes are known to contain no LF, so a slow client does not cause rescans.
    private var scannedCount = 0
    /// True while dropping the rest of an over-long line up to its LF.
    private var discardingOverlongLine = false

    /// The bytes not yet consumed.
    var readableBytes: ArraySlice<UInt8> { bytes[readIndex...] }

    /// Adds freshly received bytes.
    mutating func append(contentsOf chunk: some Collection<UInt8>) {
        compactIfWorthwhile()
        bytes.append(contentsOf: chunk)
    }

    /// Marks `count` readable bytes as processed.
    mutating func consume(_ count: Int) {
        precondition(count >= 0 && count <= bytes.count - readIndex, "consumed more bytes than buffered")
        readIndex += count
        scannedCount = 0
        if readIndex == bytes.count {
            bytes.removeAll(keepingCapacity: bytes.capacity <= 64 * 1024)
            readIndex = 0
        }
    }

    /// Returns the next command line, enforcing `maxLength` octets including the line terminator.
    mutating func nextCommandLine(maxLength: Int) -> LineResult {
        let lineFeed = UInt8(ascii: "\n")
        let searchStart = readIndex + scannedCount
        guard let lineFeedIndex = bytes[searchStart...].firstIndex(of: lineFeed) else {
            scannedCount = bytes.count - readIndex
            if scannedCount >= maxLength {
                // Keep nothing of a line that is already too long; answer once its end arrives.
                discardingOverlongLine = true
                consume(bytes.count - readIndex)
            }
            return .needMoreData
        }
        let lengthWithTerminator = lineFeedIndex - readIndex + 1
        var contentEnd = lineFeedIndex
        if contentEnd > readIndex && bytes[contentEnd - 1] == UInt8(ascii: "\r") {
            contentEnd -= 1
        }
        // Copy before consuming: consuming may release the storage the slice would point into.
        let line = Array(bytes[readIndex..<contentEnd])
        consume(lengthWithTerminator)
        if discardingOverlongLine || lengthWithTerminator > maxLength {
            discardingOverlongLine = false
            return .tooLong
        }
        return .line(line)
    }

    private mutating func compactIfWorthwhile() {
        // Shift unread bytes to the front only when the dead prefix is large, to keep appends cheap.
        if readIndex > 4096 && readIndex * 2 > bytes.count {
            bytes.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }
}
