"""Sends one message with Python's smtplib and prints what the server said, as JSON.

usage: send_mail.py PORT FROM TO[,TO...] MESSAGE_FILE
FROM may be empty for the null sender. Prints {"refused": {...}} on success (recipients refused), or
{"code": N, "error": "..."} when the server refused the message.
"""
import json, signal, smtplib, sys

signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})

port, sender, recipients, path = int(sys.argv[1]), sys.argv[2], sys.argv[3].split(","), sys.argv[4]
with open(path, "rb") as file:
    message = file.read()
try:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        client.ehlo("client.example")
        refused = client.sendmail(sender, recipients, message)
        print(json.dumps({"refused": {k: [v[0], v[1].decode()] for k, v in refused.items()}}))
except smtplib.SMTPRecipientsRefused as error:
    print(json.dumps({"code": list(error.recipients.values())[0][0], "error": "recipients refused"}))
except smtplib.SMTPResponseException as error:
    print(json.dumps({"code": error.smtp_code, "error": error.smtp_error.decode("utf-8", "replace")}))
