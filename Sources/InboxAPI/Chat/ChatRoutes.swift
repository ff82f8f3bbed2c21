import Foundation
import HTTPTypes
import Hummingbird
import InboxCore

/// The chat widget's files: `GET /chat/widget.js`, and `GET /chat/demo?channelId=` a page embedding it. No
/// token: any website may embed the widget.
struct ChatRoutes: Sendable {
    let widget: ByteBuffer?
    let demo: String?

    init() {
        func asset(_ name: String) -> Data? {
            Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Assets").flatMap { try? Data(contentsOf: $0) }
        }
        widget = asset("widget.js").map { ByteBuffer(bytes: $0) }
        demo = asset("demo.html").map { String(decoding: $0, as: UTF8.self) }
    }

    func register(on router: Router<SwitchboardRequestContext>) {
        router.get("chat/widget.js", use: widgetScript)
        router.get("chat/demo", use: demoPage)
    }

    @Sendable func widgetScript(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        guard let widget else { throw APIError.unavailable("The chat widget is not installed with this build.") }
        var headers = HTTPFields()
        headers[.contentType] = "application/javascript; charset=utf-8"
        headers[.cacheControl] = "public, max-age=300"
        headers[.accessControlAllowOrigin] = "*"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: widget))
    }

    @Sendable func demoPage(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        guard let demo else { throw APIError.unavailable("The chat demo page is not installed with this build.") }
        guard let channelId = request.uri.queryParameters.get("channelId"), Identifiers.isWellFormed(channelId) else {
            throw APIError.badRequest("Query parameter 'channelId' must name a chat channel.", code: "invalid_channel_id")
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        // Ids are hex: nothing in one needs escaping, and the check above guarantees it.
        let page = demo.replacingOccurrences(of: "{{CHANNEL_ID}}", with: channelId)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
    }
}
