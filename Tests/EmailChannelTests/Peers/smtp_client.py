"""An SMTP client for SMTPServer's end-to-end tests, built on the standard library's smtplib.

Usage: smtp_client.py HOST PORT PLAN_JSON_FILE

The plan is {"messages": [{"from": str, "to": [str], "body": str, "raw": bool}]}. Each message is
sent in one session's sequence; "raw" messages go through mail()/rcpt()/data() without the SIZE
parameter smtplib would otherwise add. Prints a JSON list of outcomes to stdout.
"""

import json
import smtplib
import sys


def send_raw(smtp, message):
    code, _ = smtp.mail(message["from"])
    if code != 250:
        smtp.rset()
        return {"error": "sender", "code": code}
    codes = {}
    for recipient in message["to"]:
        rcode, _ = smtp.rcpt(recipient)
        codes[recipient] = rcode
    if not any(code == 250 for code in codes.values()):
        smtp.rset()
        return {"error": "recipients", "codes": codes}
    code, reply = smtp.data(message["body"].encode())
    return {"data_code": code, "data_reply": reply.decode(errors="replace"), "rcpt_codes": codes}


def send(smtp, message):
    try:
        refused = smtp.sendmail(message["from"], message["to"], message["body"].encode())
        return {"refused": {address: code for address, (code, _) in refused.items()}}
    except smtplib.SMTPRecipientsRefused as error:
        return {"error": "recipients", "codes": {address: code for address, (code, _) in error.recipients.items()}}
    except smtplib.SMTPSenderRefused as error:
        return {"error": "sender", "code": error.smtp_code}
    except smtplib.SMTPDataError as error:
        return {"error": "data", "code": error.smtp_code}


def main():
    host, port, plan_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(plan_path) as plan_file:
        plan = json.load(plan_file)
    results = []
    with smtplib.SMTP(host, port, local_hostname="python.client.test", timeout=30) as smtp:
        code, _ = smtp.ehlo()
        results.append({"ehlo": code, "features": sorted(smtp.esmtp_features.keys())})
        for message in plan["messages"]:
            results.append(send_raw(smtp, message) if message.get("raw") else send(smtp, message))
        code, _ = smtp.noop()
        results.append({"noop": code})
    print(json.dumps(results))


if __name__ == "__main__":
    main()
