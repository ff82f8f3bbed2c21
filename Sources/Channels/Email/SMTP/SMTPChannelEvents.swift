import NIOCore

/// What a connection's processing loop reads from its channel: bytes, plus the timer and
/// shutdown signals folded into the same stream so one loop can react to all of them.
enum SMTPConnectionInput: Sendable {
    /// Bytes from the peer.
    case bytes(ByteBuffer)
    /// The peer has sent nothing for one tick; the loop decides with its own clock whether
    /// that adds up to its timeout (ticks can be stale after a long delivery).
    case idleTick
    /// The server is shutting down gracefully.
    case shutdownRequested
    /// The relay client put TLS in front of the pipeline: every `.bytes` before this marker
    /// arrived in plain text, every one after it came through TLS.
    case tlsHandlerAdded
}

/// Sent down a connection's pipeline by the server to ask it to finish up and close.
struct SMTPShutdownRequestedEvent: Sendable {}

/// Sits between an `IdleStateHandler` and the `NIOAsyncChannel` of an SMTP connection
/// (both directions): wraps bytes as ``SMTPConnectionInput``, turns idle and shutdown events
/// into inputs, and closes the channel when a write has been stuck for the write timeout —
/// a peer that never reads must not pin a connection (and the loop blocked writing to it) forever.
final class SMTPChannelEventsHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = SMTPConnectionInput
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var writesInFlight = 0

    init() {}

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        context.fireChannelRead(wrapInboundOut(.bytes(bytes)))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent {
            switch idle {
            case .read:
                emit(.idleTick, context: context)
            case .write:
                if writesInFlight > 0 {
                    context.close(promise: nil)
                }
            case .all:
                break
            }
        } else if event is SMTPShutdownRequestedEvent {
            emit(.shutdownRequested, context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        writesInFlight += 1
        let promise = promise ?? context.eventLoop.makePromise()
        promise.futureResult.assumeIsolated().whenComplete { _ in
            self.writesInFlight -= 1
        }
        context.write(data, promise: promise)
    }

    /// Queues `input` behind everything already read; must be called on the event loop.
    static func emit(_ input: SMTPConnectionInput, in pipeline: ChannelPipeline.SynchronousOperations) throws {
        let context = try pipeline.context(handlerType: SMTPChannelEventsHandler.self)
        context.fireChannelRead(NIOAny(input))
        context.fireChannelReadComplete()
    }

    private func emit(_ input: SMTPConnectionInput, context: ChannelHandlerContext) {
        context.fireChannelRead(wrapInboundOut(input))
        // NIOAsyncChannel hands reads to the consumer on read-complete, so one must follow.
        context.fireChannelReadComplete()
    }
}

extension Duration {
    /// This duration as a NIO `TimeAmount`.
    var timeAmount: TimeAmount { TimeAmount(self) }

    /// How often to look at the clock for a timeout of this length: often enough that a timeout
    /// fires at most half its length (and never more than a second) late, without waking idle
    /// connections needlessly.
    var idleTick: TimeAmount { TimeAmount(Swift.max(Swift.min(self / 2, .seconds(1)), .milliseconds(1))) }
}
