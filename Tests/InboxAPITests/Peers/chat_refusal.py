"""Opens the chat socket at URL as a visitor would and reports how the server refused it.

usage: chat_refusal.py URL
Prints one JSON line: {"frame": <the first frame>, "closeCode": <the close code the server sent, or null>}.
Exits 1 when no frame or no close comes within 10 seconds.
"""
import asyncio, json, sys

try:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed
except ImportError:
    sys.exit("websockets (13+) is missing: run Scripts/setup.sh")


async def main(url):
    async with connect(url) as socket:
        frame = json.loads(await asyncio.wait_for(socket.recv(), 10))
        try:
            extra = await asyncio.wait_for(socket.recv(), 10)
            sys.exit(f"the socket stayed open and sent {extra!r}")
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else None
    print(json.dumps({"frame": frame, "closeCode": code}))


try:
    asyncio.run(main(sys.argv[1]))
except asyncio.TimeoutError:
    sys.exit("no frame or close within 10 seconds")
