#!/usr/bin/env python3
"""Service benchmarks of SPEC §13 (issue 8), against a release `herald serve`.

Usage: bench.py --herald .build/release/herald [--events 100000] [--seconds 10]
                [--postgres URL --instances N] [PART...]

With --postgres (an administrative URL of a PostgreSQL server), each part runs
on a fresh database of that server, with N instances sharing it (intake posted
round-robin, one outbox folder); without it, on SQLite with one instance.

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
import urllib.parse, urllib.request

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
    """One or more `herald serve` processes on one store."""

    def __init__(self, herald, postgres=None, instances=1):
        self.work = tempfile.mkdtemp(prefix="herald-bench-")
        self.postgres = postgres
        self.outbox = os.path.join(self.work, "outbox")
        if postgres:
            self.db = f"herald_bench_{os.getpid()}_{int(time.time() * 1000) % 100000}"
            psql(postgres, f"CREATE DATABASE {self.db}")
            u = urllib.parse.urlsplit(postgres)
            self.store = urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + self.db, u.query, ""))
        else:
            self.store = "sqlite:" + os.path.join(self.work, "herald.sqlite")
        self.procs, self.urls = [], []
        for n in range(instances):
            port = free_port()
            cfg = os.path.join(self.work, f"herald-{n}.yaml")
            with open(cfg, "w") as f:
                f.write(f"listen: 127.0.0.1:{port}\nrules: {os.path.abspath(RULES)}\nstore: {self.store}\n"
                        "email:\n  from: \"Acme <no-reply@acme.example>\"\n"
                        f"  transport: directory\n  directory: {self.outbox}\n"
                        f"sms:\n  transport: directory\n  directory: {self.outbox}\nconcurrency: 32\n")
            env = dict(os.environ, HERALD_TOKEN=TOKEN)
            self.procs.append(subprocess.Popen([herald, "serve", "--config", cfg], cwd=self.work, env=env,
                                               stdout=subprocess.DEVNULL,
                                               stderr=open(os.path.join(self.work, f"serve-{n}.log"), "w")))
            url = f"http://127.0.0.1:{port}"
            self.urls.append(url)
            for _ in range(600):
                try:
                    urllib.request.urlopen(url + "/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.05)
            else:
                raise RuntimeError("service did not start")
        self.url = self.urls[0]
        self.next = 0

    def post(self, body, ctype):
        self.next += 1
        url = self.urls[self.next % len(self.urls)]
        req = urllib.request.Request(url + "/v1/events", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": ctype})
        with urllib.request.urlopen(req, timeout=60) as r:
            assert r.status == 200, r.status
            return r.read()

    def sent(self):
        if self.postgres:
            return int(psql(self.postgres.rsplit("/", 1)[0] + "/" + self.db + "?sslmode=disable",
                            "SELECT COUNT(*) FROM deliveries WHERE status = 'sent'"))
        db = sqlite3.connect(self.store[len("sqlite:"):])
        n = db.execute("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'").fetchone()[0]
        db.close()
        return n

    def close(self):
        for p in self.procs:
            p.send_signal(signal.SIGTERM)
        for p in self.procs:
            p.wait(30)
        shutil.rmtree(self.work, ignore_errors=True)
        if self.postgres:
            psql(self.postgres, f"DROP DATABASE IF EXISTS {self.db}")


def psql(url, sql):
    return subprocess.run(["psql", url, "-At", "-c", sql], capture_output=True, text=True, check=True).stdout.strip()


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


def intake(herald, total, postgres=None, instances=1):
    svc = Service(herald, postgres, instances)
    try:
        bodies = batches(total, time.time() + 86400)
        elapsed = post_all(svc, bodies)
        print(f"intake ({where(postgres, instances)}): {total} events in NDJSON batches of 1,000: {elapsed:.2f} s, "
              f"{total / elapsed:,.0f} events/s")
    finally:
        svc.close()


def where(postgres, instances):
    return f"PostgreSQL, {instances} instance{'s' if instances > 1 else ''}" if postgres else "SQLite"


def single(herald, seconds, postgres=None, instances=1):
    if not shutil.which("wrk"):
        print("single events: skipped (wrk is not installed: apt-get install wrk)")
        return
    svc = Service(herald, postgres, instances)
    try:
        p = subprocess.run(["wrk", "-t", "2", "-c", "32", "-d", f"{seconds}s", "--latency", "-s",
                            os.path.join(HERE, "single-event.lua"), svc.url],
                           capture_output=True, text=True, env=dict(os.environ, HERALD_TOKEN=TOKEN))
        out = p.stdout
        rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
        p50 = re.search(r"50%\s+([\d.]+\w+)", out)
        p99 = re.search(r"99%\s+([\d.]+\w+)", out)
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        print(f"single events ({where(postgres, instances)}, to the first instance), 32 connections, {seconds} s: "
              f"{float(rps.group(1)):,.0f} requests/s, "
              f"p50 {p50.group(1)}, p99 {p99.group(1)}, non-2xx {errors.group(1) if errors else 0}")
    finally:
        svc.close()


def delivery(herald, total, postgres=None, instances=1):
    svc = Service(herald, postgres, instances)
    try:
        bodies = batches(total, time.time() - 60)
        start = time.time()
        post_all(svc, bodies)
        expected = total * 2
        while True:
            sent = svc.sent()
            if sent >= expected or time.time() - start > 600:
                break
            time.sleep(0.2)
        elapsed = time.time() - start
        files = len(os.listdir(svc.outbox))
        print(f"delivery ({where(postgres, instances)}): {sent} due messages (email .eml + SMS .json) through the directory transport in "
              f"{elapsed:.2f} s: {sent / elapsed:,.0f} messages/s ({files} files)")
    finally:
        svc.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--herald", required=True)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--deliveries", type=int, default=10_000, help="events for part 3 (two messages each)")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--postgres", help="administrative URL of a PostgreSQL server (a fresh database per part)")
    ap.add_argument("--instances", type=int, default=1)
    ap.add_argument("parts", nargs="*", default=["intake", "single", "delivery"])
    a = ap.parse_args()
    herald = os.path.abspath(a.herald)
    if "intake" in a.parts:
        intake(herald, a.events, a.postgres, a.instances)
    if "single" in a.parts:
        single(herald, a.seconds, a.postgres, a.instances)
    if "delivery" in a.parts:
        delivery(herald, a.deliveries, a.postgres, a.instances)


if __name__ == "__main__":
    main()
