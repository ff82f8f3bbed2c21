"""A stand-in for Switchboard's chat endpoints, to check the widget and chat_browser.py without the Swift server.

usage: chat_fake_server.py [--port N] [--port-file PATH] [--close-after-reply] [--forget-tokens] [--bot-greeting]
Serves GET /chat/widget.js, GET /chat/demo?channelId=ID and the WebSocket /chat/ws?channelId=ID&visitorToken=TOKEN
as the real server does. Each visitor message is echoed back as an inbound frame with its clientMessageId, then
"Ana" answers "Hi, Ana here". History is kept per visitor token in memory, so a reload resumes the conversation.
The channel id "unknown" is refused with unknown_channel. --close-after-reply drops the socket after each reply (to
exercise reconnects and de-duplication); --forget-tokens answers invalid_token to every token once; --bot-greeting
has a bot (no author name) greet each new conversation before Ana answers.
Prints "listening on http://127.0.0.1:PORT" (and writes PORT to --port-file) once it listens. Runs until killed.
"""
import argparse, asyncio, datetime, html, json, os, pathlib, secrets, signal, sys
from urllib.parse import parse_qs, urlsplit

try:
    from websockets.asyncio.server import serve
    from websockets.datastructures import Headers
    from websockets.exceptions import ConnectionClosed
    from websockets.http11 import Response
except ImportError:
    sys.exit("websockets (13+) is missing: run Scripts/setup.sh")

signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
signal.alarm(3600)

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--port-file")
parser.add_argument("--close-after-reply", action="store_true")
parser.add_argument("--forget-tokens", action="store_true")
parser.add_argument("--bot-greeting", action="store_true")
options = parser.parse_args()

ASSETS = pathlib.Path(__file__).resolve().parents[3] / "Sources" / "InboxAPI" / "Chat" / "Assets"
visitors = {}  # token -> {"conversationId": str | None, "history": [frame], "sockets": set, "identity": dict}
forgotten = set()


def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def respond(status, content_type, body):
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
    headers = Headers({"Content-Type": content_type, "Content-Length": str(len(body)), "Cache-Control": "no-store"})
    return Response(status, reason, headers, body)


def process_request(connection, request):
    url = urlsplit(request.path)
    query = parse_qs(url.query)
    if url.path == "/chat/widget.js":
        return respond(200, "text/javascript; charset=utf-8", (ASSETS / "widget.js").read_bytes())
    if url.path == "/chat/demo":
        channel = query.get("channelId", [""])[0]
        if not channel:
            return respond(400, "text/plain; charset=utf-8", b"channelId is required\n")
        page = (ASSETS / "demo.html").read_text().replace("{{CHANNEL_ID}}", html.escape(channel, quote=True))
        return respond(200, "text/html; charset=utf-8", page.encode())
    if url.path == "/chat/ws":
        return None  # go on with the WebSocket handshake
    return respond(404, "text/plain; charset=utf-8", b"not found\n")


async def broadcast(visitor, frame):
    for socket in list(visitor["sockets"]):
        try:
            await socket.send(json.dumps(frame))
        except ConnectionClosed:
            pass


def message(visitor, direction, author_type, author_name, text, client_message_id):
    frame = {"type": "message", "id": "msg_" + secrets.token_hex(8), "direction": direction,
             "authorType": author_type, "authorName": author_name, "text": text, "at": now(),
             "clientMessageId": client_message_id}
    visitor["history"].append(frame)
    return frame


async def error(socket, code, text):
    await socket.send(json.dumps({"type": "error", "code": code, "message": text}))


async def chat(socket):
    query = parse_qs(urlsplit(socket.request.path).query)
    channel = query.get("channelId", [""])[0]
    token = query.get("visitorToken", [None])[0]
    if channel == "unknown" or not channel:
        await error(socket, "unknown_channel", "This chat channel does not exist.")
        return await socket.close()
    if token is not None and (token not in visitors or (options.forget_tokens and token not in forgotten)):
        forgotten.add(token)
        await error(socket, "invalid_token", "Unknown visitor token.")
        return await socket.close()
    if token is None:
        token = "vt_" + secrets.token_urlsafe(18)
        visitors[token] = {"conversationId": None, "history": [], "sockets": set(), "identity": None}
    visitor = visitors[token]
    visitor["sockets"].add(socket)
    print(f"connect token={token[:10]}.. history={len(visitor['history'])}", flush=True)
    try:
        await socket.send(json.dumps({"type": "session", "visitorToken": token, "conversationId": visitor["conversationId"]}))
        for frame in visitor["history"]:
            await socket.send(json.dumps(frame))
        async for raw in socket:
            try:
                frame = json.loads(raw)
                assert isinstance(frame, dict)
            except (ValueError, AssertionError):
                await error(socket, "invalid_frame", "Frames must be JSON objects.")
                continue
            if frame.get("type") == "message":
                text = frame.get("text")
                if not isinstance(text, str) or not text.strip() or len(text.strip()) > 5000:
                    await error(socket, "invalid_frame", "Messages need 1 to 5000 characters of text.")
                    continue
                new = visitor["conversationId"] is None
                visitor["conversationId"] = visitor["conversationId"] or "conv_" + secrets.token_hex(6)
                await broadcast(visitor, message(visitor, "inbound", "contact", None, text.strip(), frame.get("clientMessageId")))
                if new and options.bot_greeting:
                    await asyncio.sleep(0.2)
                    await broadcast(visitor, message(visitor, "outbound", "bot", None,
                                                     "Thanks for getting in touch! Someone from the team will be right with you.", None))
                await asyncio.sleep(0.3)
                await broadcast(visitor, message(visitor, "outbound", "user", "Ana", "Hi, Ana here", None))
                if options.close_after_reply:
                    await socket.close()
            elif frame.get("type") == "identify":
                visitor["identity"] = {"email": frame.get("email"), "name": frame.get("name")}
                print(f"identify token={token[:10]}.. {visitor['identity']}", flush=True)
            else:
                await error(socket, "invalid_frame", "Unknown frame type.")
    except ConnectionClosed:
        pass
    finally:
        visitor["sockets"].discard(socket)


async def main():
    async with serve(chat, "127.0.0.1", options.port, process_request=process_request) as server:
        port = server.sockets[0].getsockname()[1]
        if options.port_file:
            pathlib.Path(options.port_file).write_text(str(port))
        print(f"listening on http://127.0.0.1:{port}", flush=True)
        await server.serve_forever()


asyncio.run(main())
