#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) for Herald's transport tests, on loopback only.

    smtp_server.py serve --outdir DIR [--security starttls|tls|none]
                   [--user U --password P] [--port 0]
    smtp_server.py inspect FILE.eml

`serve` makes a self-signed certificate for 127.0.0.1 with openssl (DIR/cert.pem,
which the tests give Herald as ca_file), listens on 127.0.0.1 and prints
`READY PORT` once it accepts connections. Each accepted message is written as
DIR/messages/N.eml (the exact bytes received) beside N.json (envelope, queue id,
Message-ID); DIR/connections holds how many connections were made.

Fault modes are chosen by the recipient's local part (the part before the first
`-`), so one server serves every case at once:

    t421-*     first attempt: 421 after the message, connection closed; then accepted
    t451-*     first attempt: 451 to RCPT TO; then accepted
    r550-*     always 550 to RCPT TO with a text the client should report
    drop-*     first attempt: the connection is cut after the message data,
               before any reply; then accepted
    hang-*     RCPT TO is never answered (the client must time out)
    anything else is accepted with `250 2.0.0 Ok: queued as QN`.

`inspect` parses a message with Python's email parser and prints JSON: headers,
the decoded subject, the MIME tree, text and html bodies, and each attachment's
name, type, size and SHA-256.
"""

import argparse
import asyncio
import email
import email.policy
import hashlib
import json
import os
import ssl
import subprocess
import sys


def make_certificate(directory):
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    if not (os.path.exists(cert) and os.path.exists(key)):
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", key, "-out", cert,
            ],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    return cert, key


def serve(args):
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

    os.makedirs(os.path.join(args.outdir, "messages"), exist_ok=True)
    cert, key = make_certificate(args.outdir)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    attempts = {}  # address -> how many times it was tried
    state = {"messages": 0, "connections": 0}

    def mode(address):
        local = address.split("@", 1)[0].lower()
        return local.split("-", 1)[0] if "-" in local else ""

    def first_try(address, phase):
        key = (address.lower(), phase)
        attempts[key] = attempts.get(key, 0) + 1
        return attempts[key] == 1

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            m = mode(address)
            if m == "t451" and first_try(address, "rcpt"):
                return "451 4.3.0 <%s>: temporary failure, try again later" % address
            if m == "r550":
                return "550 5.1.1 <%s>: Recipient address rejected: User unknown in local recipient table" % address
            if m == "hang":
                await asyncio.sleep(3600)
            envelope.rcpt_tos.append(address)
            return "250 2.1.5 OK"

        async def handle_DATA(self, server, session, envelope):
            rcpt = envelope.rcpt_tos[0] if envelope.rcpt_tos else ""
            m = mode(rcpt)
            if m == "drop" and first_try(rcpt, "data"):
                server.transport.abort()
                await asyncio.sleep(3600)
            if m == "t421" and first_try(rcpt, "data"):
                asyncio.get_running_loop().call_soon(server.transport.close)
                return "421 4.7.0 Too many connections, closing transmission channel"
            state["messages"] += 1
            n = state["messages"]
            queue_id = "Q%d" % n
            raw = envelope.original_content
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            base = os.path.join(args.outdir, "messages", str(n))
            with open(base + ".eml.tmp", "wb") as f:
                f.write(raw)
            with open(base + ".json", "w") as f:
                json.dump(
                    {
                        "mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos, "queue_id": queue_id,
                        "message_id": parsed.get("Message-ID", ""), "tls": args.security == "tls" or session.ssl is not None,
                        "auth_user": (session.auth_data.login.decode()
                                      if isinstance(session.auth_data, LoginPassword) else None),
                    },
                    f,
                )
            os.rename(base + ".eml.tmp", base + ".eml")
            return "250 2.0.0 Ok: queued as %s" % queue_id

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == args.user
            and auth_data.password.decode() == args.password
        )
        # handled=False: aiosmtpd answers 535 itself.
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    class CountingSMTP(SMTP):
        def connection_made(self, transport):
            # STARTTLS calls this again on the same object: count each connection once.
            if not getattr(self, "_herald_counted", False):
                self._herald_counted = True
                state["connections"] += 1
                with open(os.path.join(args.outdir, "connections"), "w") as f:
                    f.write(str(state["connections"]))
            super().connection_made(transport)

    def factory():
        return CountingSMTP(
            Handler(),
            hostname="herald-test.localhost",
            tls_context=context if args.security == "starttls" else None,
            require_starttls=args.security == "starttls",
            authenticator=authenticator if args.user else None,
            auth_required=bool(args.user),
            # Implicit TLS is TLS too, but aiosmtpd only knows STARTTLS.
            auth_require_tls=args.security == "starttls",
            timeout=30,
        )

    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            factory, host="127.0.0.1", port=args.port, ssl=context if args.security == "tls" else None
        )
        port = server.sockets[0].getsockname()[1]
        print("READY %d" % port, flush=True)
        # Ends when the test closes our stdin (or the test process dies).
        await loop.run_in_executor(None, sys.stdin.read)
        server.close()

    asyncio.run(main())


def inspect(path):
    with open(path, "rb") as f:
        raw = f.read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)

    def tree(part):
        node = {"type": part.get_content_type()}
        if part.is_multipart():
            node["parts"] = [tree(p) for p in part.iter_parts()]
        return node

    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    attachments = []
    for part in msg.iter_attachments():
        data = part.get_payload(decode=True) or b""
        attachments.append(
            {
                "filename": part.get_filename(), "type": part.get_content_type(), "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
    out = {
        "headers": {k: str(v) for k, v in msg.items()},
        "raw_subject": None,
        "subject": str(msg.get("Subject", "")),
        "tree": tree(msg),
        "text": text.get_content() if text is not None else None,
        "html": html.get_content() if html is not None else None,
        "attachments": attachments,
        "defects": [type(d).__name__ for d in msg.defects],
    }
    raw_headers = raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    unfolded = raw_headers.replace("\r\n ", " ").replace("\r\n\t", " ")
    for line in unfolded.split("\r\n"):
        if line.lower().startswith("subject:"):
            out["raw_subject"] = line[len("subject:"):].strip()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--outdir", required=True)
    s.add_argument("--security", choices=["starttls", "tls", "none"], default="starttls")
    s.add_argument("--user")
    s.add_argument("--password")
    s.add_argument("--port", type=int, default=0)
    i = sub.add_parser("inspect")
    i.add_argument("file")
    a = parser.parse_args()
    if a.command == "serve":
        serve(a)
    else:
        inspect(a.file)
