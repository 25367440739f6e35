#!/usr/bin/env python3
"""SMTP delivery throughput of `herald serve`, end to end, on loopback.

    .venv-smtp/bin/python Tests/smtp/bench_smtp.py --herald .build/release/herald \
        [--count 2000] [--connections 4] [--concurrency 16]

Starts the test SMTP server (smtp_server.py: aiosmtpd, STARTTLS, AUTH) and
`herald serve` with the SMTP transport, posts COUNT work_order.closed events
(one email each) in NDJSON batches, and waits until the server has accepted
COUNT messages. Prints messages/s (from the first post to the last message
accepted), the connections the server saw, and whether any message came twice.
Run it with a Python that has aiosmtpd (the .venv-smtp that setup-venv.sh makes).
"""

import argparse
import datetime
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))

RULES = """herald: 1
templates:
  closed:
    email:
      subject: "Ordem {{work_order.number}} concluída"
      body: |
        Olá {{client.name}},

        a ordem de serviço {{work_order.number}} foi concluída.
rules:
  - id: closed-email
    on: work_order.closed
    channel: email
    template: closed
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--herald", required=True)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="herald-smtp-bench-")
    smtp = herald = None
    try:
        smtp = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "smtp_server.py"), "serve", "--outdir", work + "/smtp",
             "--user", "herald", "--password", "bench-pw"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = smtp.stdout.readline().split()
        if len(ready) != 2 or ready[0] != "READY":
            sys.exit("the SMTP server did not start")
        smtp_port = int(ready[1])
        api_port = free_port()
        with open(work + "/rules.yaml", "w") as f:
            f.write(RULES)
        with open(work + "/herald.yaml", "w") as f:
            f.write(f"""listen: 127.0.0.1:{api_port}
rules: rules.yaml
store: sqlite:herald.sqlite
concurrency: {args.concurrency}
email:
  from: "Acme <no-reply@acme.example>"
  transport: smtp
  smtp: {{host: 127.0.0.1, port: {smtp_port}, security: starttls, username: herald,
         password_env: BENCH_SMTP_PASSWORD, timeout: 10s, ca_file: {work}/smtp/cert.pem,
         connections: {args.connections}}}
""")
        env = dict(os.environ, HERALD_TOKEN="bench-token", BENCH_SMTP_PASSWORD="bench-pw")
        herald = subprocess.Popen([os.path.abspath(args.herald), "serve"], cwd=work, env=env,
                                  stdout=subprocess.DEVNULL, stderr=open(work + "/herald.log", "w"))
        base = f"http://127.0.0.1:{api_port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        else:
            sys.exit("herald serve did not start: " + open(work + "/herald.log").read())

        now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        events = [json.dumps({
            "id": f"b{i}", "type": "work_order.closed", "occurred_at": now,
            "work_order": {"id": f"WO-{i}", "number": str(10000 + i), "status": "completed"},
            "client": {"id": f"C-{i}", "name": "Zoë Ñúñez", "email": f"client{i}@example.com", "accepts_email": True},
        }) for i in range(args.count)]
        start = time.monotonic()
        for i in range(0, len(events), 500):
            body = ("\n".join(events[i:i + 500]) + "\n").encode()
            request = urllib.request.Request(base + "/v1/events", data=body, method="POST", headers={
                "Authorization": "Bearer bench-token", "Content-Type": "application/x-ndjson"})
            urllib.request.urlopen(request, timeout=60).read()
        posted = time.monotonic() - start
        messages = work + "/smtp/messages"
        received = 0
        while time.monotonic() - start < args.timeout:
            received = sum(1 for n in os.listdir(messages) if n.endswith(".json")) if os.path.isdir(messages) else 0
            if received >= args.count:
                break
            time.sleep(0.05)
        elapsed = time.monotonic() - start
        ids = []
        for n in os.listdir(messages):
            if n.endswith(".json"):
                with open(os.path.join(messages, n)) as f:
                    ids.append(json.load(f)["message_id"])
        with open(work + "/smtp/connections") as f:
            connections = int(f.read() or 0)
        print(f"{received} of {args.count} messages accepted in {elapsed:.2f} s "
              f"(events posted in {posted:.2f} s): {received / elapsed:.0f} messages/s over "
              f"{connections} SMTP connections (connections: {args.connections}, concurrency: {args.concurrency}); "
              f"duplicates: {len(ids) - len(set(ids))}")
        if received < args.count or len(ids) != len(set(ids)):
            sys.exit(1)
    finally:
        for p in (herald, smtp):
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
