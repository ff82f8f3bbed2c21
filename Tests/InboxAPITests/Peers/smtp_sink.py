"""An SMTP server for tests (aiosmtpd): stores each message it takes as <n>.json in a directory.

usage: smtp_sink.py DIRECTORY [--refuse-first N] [--reject]
Writes DIRECTORY/port once it listens. --refuse-first answers 451 to the first N messages; --reject answers 550
to every one. Runs until killed.
"""
import argparse, asyncio, email, email.policy, json, os, signal, socket, sys

try:
    from aiosmtpd.controller import Controller
except ImportError:
    sys.exit("aiosmtpd is missing: run Scripts/setup.sh")

# A test runner may start us with SIGTERM blocked: take it back, and never outlive a forgotten test.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
signal.alarm(600)

parser = argparse.ArgumentParser()
parser.add_argument("directory")
parser.add_argument("--refuse-first", type=int, default=0)
parser.add_argument("--reject", action="store_true")
options = parser.parse_args()


class Sink:
    def __init__(self):
        self.seen = 0
        self.stored = 0

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        if options.reject:
            return "550 5.7.1 Relaying denied"
        if self.seen <= options.refuse_first:
            return "451 4.3.0 Try again later"
        self.stored += 1
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        record = {"mailFrom": envelope.mail_from, "rcptTos": envelope.rcpt_tos,
                  "data": envelope.content.decode("utf-8", "surrogateescape"),
                  # Headers as a mail reader shows them: RFC 2047 decoded, unfolded.
                  "headers": {name: str(message[name]) for name in message.keys()},
                  "text": body.get_content() if body is not None else None}
        path = os.path.join(options.directory, "%d.json" % self.stored)
        with open(path + ".tmp", "w") as file:
            json.dump(record, file)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 Ok: stored as %d" % self.stored


probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()
controller = Controller(Sink(), hostname="127.0.0.1", port=port)
controller.start()
with open(os.path.join(options.directory, "port.tmp"), "w") as file:
    file.write(str(port))
os.rename(os.path.join(options.directory, "port.tmp"), os.path.join(options.directory, "port"))
try:
    asyncio.get_event_loop().run_forever()
except KeyboardInterrupt:
    pass
finally:
    controller.stop()
