#!/usr/bin/env python3
"""Service benchmarks of SPEC §13 (issue 8), against a release `herald serve`.

Usage: bench.py --herald .build/release/herald [--events 100000] [--seconds 10]

1. intake: NDJSON batches of 1,000 events from 4 client threads -> events/s
   (every reply after its commit; SQLite with synchronous=FULL).
2. single events: wrk with 32 connections, each request one new event ->
   requests/s, p50/p99 latency (needs `wrk`, Debian package).
3. delivery: due messages through the directory transport -> messages/s
   (from the first post until the last message is written).

Each part starts a fresh service on a fresh store in a temporary folder.
Events are dated a day ahead in parts 1 and 2 so that their messages stay
scheduled and delivery work does not mix with intake; part 3 dates them now.
"""
import argparse, datetime, json, os, re, shutil, signal, socket, sqlite3, subprocess, tempfile, threading, time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
RULES = os.path.join(HERE, "..", "..", "Tests", "crash", "rules")
TOKEN = "bench-token"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class Service:
    def __init__(self, herald):
        self.work = tempfile.mkdtemp(prefix="herald-bench-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.store = os.path.join(self.work, "herald.sqlite")
        self.outbox = os.path.join(self.work, "outbox")
        cfg = os.path.join(self.work, "herald.yaml")
        with open(cfg, "w") as f:
            f.write(f"listen: 127.0.0.1:{self.port}\nrules: {os.path.abspath(RULES)}\nstore: sqlite:{self.store}\n"
                    "email:\n  from: \"Acme <no-reply@acme.example>\"\n"
                    f"  transport: directory\n  directory: {self.outbox}\n"
                    f"sms:\n  transport: directory\n  directory: {self.outbox}\nconcurrency: 32\n")
        env = dict(os.environ, HERALD_TOKEN=TOKEN)
        self.proc = subprocess.Popen([herald, "serve", "--config", cfg], cwd=self.work, env=env,
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.work, "serve.log"), "w"))
        for _ in range(300):
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("service did not start")

    def post(self, body, ctype):
        req = urllib.request.Request(self.url + "/v1/events", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": ctype})
        with urllib.request.urlopen(req, timeout=60) as r:
            assert r.status == 200, r.status
            return r.read()

    def close(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)
        shutil.rmtree(self.work, ignore_errors=True)


def event(n, at):
    return {"id": f"b-{n}", "type": "work_order.created", "occurred_at": iso(at), "location": "centro",
            "work_order": {"id": f"WO-{n}", "number": str(n), "status": "open"},
            "client": {"id": f"C-{n % 1000}", "name": "Maria Souza", "email": "maria@example.com",
                       "phone": "+5511999990000", "accepts_email": True, "accepts_sms": True}}


def batches(total, at, size=1000):
    return ["".join(json.dumps(event(i * size + j, at)) + "\n" for j in range(size)).encode()
            for i in range(total // size)]


def post_all(svc, bodies, threads=4):
    it = iter(bodies)
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                b = next(it, None)
            if b is None:
                return
            svc.post(b, "application/x-ndjson")

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    start = time.time()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return time.time() - start


def intake(herald, total):
    svc = Service(herald)
    try:
        bodies = batches(total, time.time() + 86400)
        elapsed = post_all(svc, bodies)
        print(f"intake: {total} events in NDJSON batches of 1,000: {elapsed:.2f} s, {total / elapsed:,.0f} events/s")
    finally:
        svc.close()


def single(herald, seconds):
    if not shutil.which("wrk"):
        print("single events: skipped (wrk is not installed: apt-get install wrk)")
        return
    svc = Service(herald)
    try:
        p = subprocess.run(["wrk", "-t", "2", "-c", "32", "-d", f"{seconds}s", "--latency", "-s",
                            os.path.join(HERE, "single-event.lua"), svc.url],
                           capture_output=True, text=True, env=dict(os.environ, HERALD_TOKEN=TOKEN))
        out = p.stdout
        rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
        p50 = re.search(r"50%\s+([\d.]+\w+)", out)
        p99 = re.search(r"99%\s+([\d.]+\w+)", out)
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        print(f"single events, 32 connections, {seconds} s: {float(rps.group(1)):,.0f} requests/s, "
              f"p50 {p50.group(1)}, p99 {p99.group(1)}, non-2xx {errors.group(1) if errors else 0}")
    finally:
        svc.close()


def delivery(herald, total):
    svc = Service(herald)
    try:
        bodies = batches(total, time.time() - 60)
        start = time.time()
        post_all(svc, bodies)
        expected = total * 2
        while True:
            db = sqlite3.connect(svc.store)
            sent = db.execute("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'").fetchone()[0]
            db.close()
            if sent >= expected or time.time() - start > 600:
                break
            time.sleep(0.2)
        elapsed = time.time() - start
        files = len(os.listdir(svc.outbox))
        print(f"delivery: {sent} due messages (email .eml + SMS .json) through the directory transport in "
              f"{elapsed:.2f} s: {sent / elapsed:,.0f} messages/s ({files} files)")
    finally:
        svc.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--herald", required=True)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--deliveries", type=int, default=10_000, help="events for part 3 (two messages each)")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("parts", nargs="*", default=["intake", "single", "delivery"])
    a = ap.parse_args()
    herald = os.path.abspath(a.herald)
    if "intake" in a.parts:
        intake(herald, a.events)
    if "single" in a.parts:
        single(herald, a.seconds)
    if "delivery" in a.parts:
        delivery(herald, a.deliveries)


if __name__ == "__main__":
    main()
