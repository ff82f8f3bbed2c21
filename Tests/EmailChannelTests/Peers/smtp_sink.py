"""An SMTP server for SMTPRelay's end-to-end tests, built on aiosmtpd.

Listens on 127.0.0.1 on a free port, writes {"port": N} to --ready-file once it accepts
connections, and appends one JSON line per received message to --messages-file before it
answers 250, so a message the client saw accepted is always in the file.

Recipients starting with "reject" get 550, with "later" get 450. Exits by itself after
--lifetime seconds so a failed test can never leave it running.
"""

import argparse
import asyncio
import base64
import json
import os
import signal
import ssl
import sys

try:
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
except ImportError:
    sys.stderr.write("aiosmtpd is not installed: run `python3 -m pip install aiosmtpd`\n")
    sys.exit(3)


class Handler:
    def __init__(self, messages_file):
        self.messages_file = messages_file

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 no such user"
        if address.startswith("later"):
            return "450 4.2.1 mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        record = {
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "data_b64": base64.b64encode(envelope.original_content).decode(),
            "tls": session.ssl is not None,
            "auth_login": login,
            "helo": session.host_name,
        }
        with open(self.messages_file, "a") as out:
            out.write(json.dumps(record) + "\n")
            out.flush()
            os.fsync(out.fileno())
        return "250 2.0.0 Message accepted for delivery"


def main():
    # A parent running Swift concurrency may start us with SIGTERM blocked (the mask is
    # inherited); unblock it so the test can stop us.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
    parser = argparse.ArgumentParser()
    parser.add_argument("--ready-file", required=True)
    parser.add_argument("--messages-file", required=True)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--require-tls", action="store_true")
    parser.add_argument("--auth", help="user:password; AUTH becomes required")
    parser.add_argument("--exclude-auth", action="append", default=[], help="mechanism not to offer, e.g. PLAIN")
    parser.add_argument("--lifetime", type=float, default=120)
    args = parser.parse_args()

    tls_context = None
    if args.tls_cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.tls_cert, args.tls_key)

    credentials = None
    if args.auth:
        user, password = args.auth.split(":", 1)
        credentials = (user.encode(), password.encode())

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == credentials
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    handler = Handler(args.messages_file)

    def factory():
        return SMTP(
            handler,
            hostname="sink.test",
            decode_data=False,
            tls_context=tls_context,
            require_starttls=args.require_tls,
            authenticator=authenticator if credentials else None,
            auth_required=credentials is not None,
            auth_require_tls=False,
            auth_exclude_mechanism=args.exclude_auth,
        )

    async def serve():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(factory, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        temporary = args.ready_file + ".tmp"
        with open(temporary, "w") as out:
            json.dump({"port": port}, out)
        os.replace(temporary, args.ready_file)  # the test never sees a half-written file
        await asyncio.sleep(args.lifetime)
        server.close()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
