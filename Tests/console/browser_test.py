#!/usr/bin/env python3
"""Browser test of the web console (issue 11), Python standard library only.

Starts `herald serve` on the example rules (Rules/) with a temporary SQLite
store and directory outbox, posts Rules/*/events.ndjson, an event of a client
named <script>alert(1)</script> and a few broken lines, signs in with the API
token, and then for each console page:

  * takes a screenshot with headless Chromium (PNG files under --out), and
  * dumps the DOM with headless Chromium and checks the rows and texts that
    must be there, and that the client's name is text, never markup.

Headless Chromium cannot post a form from the command line, so the pages are
opened through a small reverse proxy on loopback that adds the session
cookie (and, for /try-result, posts the "try an event" form with its CSRF
token). Chromium is not installed here: it must be on PATH (Debian package
`chromium`) or given with --chromium.

    python3 Tests/console/browser_test.py --herald .build/debug/herald

The last line printed is 'N passed, N failed'; the exit code is 1 on failure.
"""

import argparse
import http.client
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKEN = "console-browser-test-token"
EVIL = "<script>alert(1)</script>"
EVIL_TEXT = "&lt;script&gt;alert(1)&lt;/script&gt;"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Herald:
    """One `herald serve` on a temporary store and outbox."""

    def __init__(self, binary, rules, work):
        self.port = free_port()
        self.work = work
        config = os.path.join(work, "herald.yaml")
        outbox = os.path.join(work, "outbox")
        with open(config, "w") as f:
            f.write(
                f"listen: 127.0.0.1:{self.port}\nrules: {rules}\nstore: sqlite:{os.path.join(work, 'herald.sqlite')}\n"
                f"email:\n  from: \"Acme <no-reply@acme.example>\"\n  transport: directory\n  directory: {outbox}\n"
                # The example's report URLs are not on loopback: refusing them
                # at once (a failed delivery) keeps the test off the network.
                f"  report_url_prefixes: [\"http://127.0.0.1:9/reports/\"]\n"
                f"sms:\n  transport: directory\n  directory: {outbox}\n")
        env = dict(os.environ, HERALD_TOKEN=TOKEN)
        self.log = open(os.path.join(work, "serve.log"), "ab")
        self.proc = subprocess.Popen([binary, "serve", "--config", config], cwd=work, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"herald serve exited {self.proc.returncode}; see {work}/serve.log")
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("herald serve did not answer /healthz within 60 s")

    def request(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, r.getheaders(), r.read()
        finally:
            c.close()

    def api(self, method, path, body=None, content_type="application/json"):
        headers = {"Authorization": f"Bearer {TOKEN}"}
        if body is not None:
            headers["Content-Type"] = content_type
        status, _, data = self.request(method, path, body, headers)
        return status, data

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def make_proxy(herald, cookie, try_event):
    """A loopback reverse proxy to `herald` that adds the session cookie."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            headers = {"Cookie": cookie, "Host": self.headers.get("Host", "127.0.0.1")}
            if self.path == "/try-result":
                _, _, page = herald.request("GET", "/try", headers=headers)
                csrf = re.search(rb'name="csrf" value="([0-9a-f]+)"', page).group(1).decode()
                body = urllib.parse.urlencode({"csrf": csrf, "event": try_event})
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                status, response_headers, data = herald.request("POST", "/try", body, headers)
            else:
                status, response_headers, data = herald.request("GET", self.path, headers=headers)
            self.send_response(status)
            for name, value in response_headers:
                if name.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok    {name}")
        else:
            self.failed += 1
            print(f"FAIL  {name}{': ' + detail if detail else ''}")


def chromium_args(chromium, profile):
    return [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--herald", required=True, help="the herald binary (a debug build is fine)")
    parser.add_argument("--rules", default=os.path.join(ROOT, "Rules"))
    parser.add_argument("--out", default=os.path.join(ROOT, ".build", "console-screenshots"))
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser") or "chromium")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if not shutil.which(args.chromium):
        print(f"chromium not found ('{args.chromium}'): install Debian's 'chromium' package", file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="herald-console-test-")
    results = Results()
    herald = None
    proxy = None
    try:
        herald = Herald(os.path.abspath(args.herald), os.path.abspath(args.rules), work)

        # Seed: the example events, a client named <script>…, broken lines.
        for name in ("shop", "regions"):
            path = os.path.join(args.rules, name, "events.ndjson")
            if os.path.exists(path):
                with open(path, "rb") as f:
                    status, _ = herald.api("POST", "/v1/events", f.read(), "application/x-ndjson")
                results.check(f"post {name}/events.ndjson", status == 200, f"status {status}")
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
        evil_client = {"id": "C-666", "name": EVIL, "first_name": EVIL, "email": "evil@example.com",
                       "phone": "+5511911112222", "accepts_email": True, "accepts_sms": True}
        evil = {"id": "x1", "type": "work_order.created", "occurred_at": now, "location": "sp-centro",
                "work_order": {"id": "WO-666", "number": "666", "status": "open", "device": EVIL},
                "client": evil_client}
        broken = ['{"id": "half", "type": ', json.dumps({"id": "nowhere-1", "type": "work_order.created",
                  "occurred_at": now, "location": "lisboa", "work_order": {"id": "WO-1", "number": "1", "status": "open"},
                  "client": {"id": "C-1", "name": "Rui"}})]
        status, reply = herald.api("POST", "/v1/events", "\n".join([json.dumps(evil)] + broken) + "\n",
                                   "application/x-ndjson")
        results.check("post the <script> client and broken lines", status == 200, f"status {status}")
        time.sleep(1.5)  # let the scheduler send what is due
        _, data = herald.api("GET", "/v1/deliveries?work_order=WO-666")
        evil_items = json.loads(data)["items"]
        evil_email = next((d["id"] for d in evil_items if d["channel"] == "email"), None)
        results.check("the <script> client has an email delivery", evil_email is not None)

        # Sign in through the form: a 303 with the session cookie.
        status, headers, _ = herald.request(
            "POST", "/sign-in", urllib.parse.urlencode({"token": TOKEN, "next": "/"}),
            {"Content-Type": "application/x-www-form-urlencoded"})
        set_cookie = dict((k.lower(), v) for k, v in headers).get("set-cookie", "")
        results.check("sign-in sets an HttpOnly SameSite=Strict cookie",
                      status == 303 and "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie,
                      f"status {status}, {set_cookie!r}")
        cookie = set_cookie.split(";")[0]
        status, headers, _ = herald.request("GET", "/")
        results.check("a page without the cookie redirects to the sign-in page",
                      status == 303 and dict(headers).get("Location", "").startswith("/sign-in"), f"status {status}")
        status, headers, _ = herald.request("GET", "/", headers={"Cookie": cookie})
        h = dict((k.lower(), v) for k, v in headers)
        results.check("pages carry CSP, nosniff and Referrer-Policy",
                      "script-src" not in h.get("content-security-policy", "x") and
                      "default-src 'none'" in h.get("content-security-policy", "") and
                      h.get("x-content-type-options") == "nosniff" and "referrer-policy" in h, repr(h))

        try_event = dict(evil, id="try-1", client=dict(evil_client, accepts_sms=False))
        proxy = make_proxy(herald, cookie, json.dumps(try_event))
        base = f"http://127.0.0.1:{proxy.server_address[1]}"

        pages = [
            ("sign-in", f"http://127.0.0.1:{herald.port}/sign-in", ["Sign in", 'name="token"'], False),
            ("deliveries", "/", ["<h1>Deliveries</h1>", "<svg", "shop-wo-created", "region-csr-accepted",
                                 "maria.souza@example.com", "region-wo-created", 'class="badge s-sent"'], True),
            ("delivery", f"/deliveries/{evil_email}", ["The message as the client sees it", "OS 666 aberta",
                                                        "Attempts", "evil@example.com"], True),
            ("timeline", "/work-orders/WO-2001", ["Work order WO-2001", "work_order.schedule_changed",
                                                  "ready_for_pickup", "delivery"], False),
            ("timeline-evil", "/work-orders/WO-666", ["Work order WO-666", "work_order.created"], True),
            ("rejects", "/rejects", ["Rejected events", "malformed-json", "unknown-location",
                                     "rejected: the event is not valid JSON", "lisboa"], False),
            ("rules", "/rules", ["Location São Paulo – Centro", "Region Northeast", "shop-wo-created",
                                 "shop/work-orders.yaml:", "reminder 1d before work_order.scheduled_for"], False),
            ("try", "/try-result", ["Result", "not sent: the client has not agreed to SMS", "did not apply",
                                    "nothing is stored or sent"], True),
        ]
        profile = os.path.join(work, "chromium-profile")
        for name, path, expected, shows_evil in pages:
            url = path if path.startswith("http") else base + path
            png = os.path.join(args.out, f"{name}.png")
            if os.path.exists(png):
                os.remove(png)
            shot = subprocess.run(chromium_args(args.chromium, profile) + [
                f"--screenshot={png}", "--window-size=1280,900", url],
                capture_output=True, timeout=120)
            results.check(f"{name}: screenshot", shot.returncode == 0 and os.path.getsize(png) > 10_000 if os.path.exists(png) else False,
                          shot.stderr.decode(errors="replace")[-300:])
            dump = subprocess.run(chromium_args(args.chromium, profile) + ["--dump-dom", url],
                                  capture_output=True, timeout=120)
            dom = dump.stdout.decode(errors="replace")
            missing = [e for e in expected if e not in dom]
            results.check(f"{name}: DOM has its rows and texts", dump.returncode == 0 and not missing,
                          f"missing {missing}")
            results.check(f"{name}: no script element", "<script" not in dom)
            if shows_evil:
                results.check(f"{name}: the <script> client name is text", EVIL_TEXT in dom and EVIL not in dom)
        # Nothing the try page did was kept.
        _, data = herald.api("GET", "/v1/work-orders/WO-666/timeline")
        kept = [i for i in json.loads(data)["items"] if i.get("event") == "try-1"]
        results.check("try an event stores nothing", not kept)
    except Exception as e:  # a crash of the harness is a failure, not a traceback only
        results.check("harness", False, repr(e))
    finally:
        if proxy:
            proxy.shutdown()
        if herald:
            herald.stop()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"screenshots in {args.out}")
    print(f"{results.passed} passed, {results.failed} failed")
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
