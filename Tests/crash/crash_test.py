#!/usr/bin/env python3
"""Crash test of `herald serve` (issue 8): SIGKILL at random points under load.

Usage: crash_test.py --herald PATH [--kills 100] [--clients 4] [--seconds 240] [--smtp] [--keep]

Starts the service on a SQLite store with the directory transports, drives
it from several client threads (single events and small NDJSON batches, each
event retried until the service answers 200, as a work-order system would),
kills it with SIGKILL at random moments, restarts it on the same store, and at
the end lets it drain. Then it checks, reading the SQLite file directly:

  * every event acknowledged with a 200 is stored (processed ids, events);
  * every delivery id handed out in a 200 reply exists;
  * no event was evaluated twice: every event-rule key has one delivery;
  * every delivery due is `sent`, and has exactly one attempt that ended `sent`;
  * the outbox holds exactly one file per sent delivery, and no other file.

With --smtp, email goes over SMTP (STARTTLS, AUTH) to the aiosmtpd test
server of Tests/smtp (its venv, .venv-smtp, made by Tests/smtp/setup-venv.sh)
and SMS to the outbox; then, instead of counting .eml files, it checks that
every sent email reached the server (none lost), and that a message the
server received twice belongs to a delivery whose attempt was interrupted by
a kill (the one way SPEC §12.3 allows), with the same Message-ID.

Standard library only. Bounded: --seconds caps the kill phase. The last line
is 'N passed, N failed'.
"""
import argparse, datetime, json, os, random, shutil, signal, socket, sqlite3, subprocess, sys, tempfile
import threading, time, urllib.error, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN = "crash-test-token"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class SMTPServer:
    """The aiosmtpd server of Tests/smtp, with STARTTLS and AUTH."""

    def __init__(self, work):
        root = os.path.join(HERE, "..", "..")
        python = os.environ.get("HERALD_SMTP_TEST_PYTHON") or os.path.join(root, ".venv-smtp", "bin", "python")
        self.dir = os.path.join(work, "smtp")
        os.makedirs(self.dir, exist_ok=True)
        self.proc = subprocess.Popen([python, os.path.join(root, "Tests", "smtp", "smtp_server.py"), "serve",
                                      "--outdir", self.dir, "--security", "starttls", "--user", "herald",
                                      "--password", "crash-secret"], stdout=subprocess.PIPE, stdin=subprocess.PIPE,
                                     stderr=open(os.path.join(work, "smtp.log"), "ab"), text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("READY"):
            raise RuntimeError(f"the SMTP test server did not start: {line!r}")
        self.port = int(line.split()[1])

    def config(self):
        return ("  transport: smtp\n"
                f"  smtp: {{host: 127.0.0.1, port: {self.port}, security: starttls, username: herald, "
                f"password_env: HERALD_SMTP_PASSWORD, ca_file: {os.path.join(self.dir, 'cert.pem')}, timeout: 5s}}\n")

    def received(self):
        """Message-IDs of the messages received, one entry per copy."""
        out = []
        folder = os.path.join(self.dir, "messages")
        for name in os.listdir(folder) if os.path.isdir(folder) else []:
            if name.endswith(".json"):
                with open(os.path.join(folder, name)) as f:
                    out.append(json.load(f).get("message_id", ""))
        return out

    def stop(self):
        # The server runs until its standard input is closed.
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Service:
    def __init__(self, herald, work, smtp=None):
        self.herald, self.work = herald, work
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.outbox = os.path.join(work, "outbox")
        self.store = os.path.join(work, "herald.sqlite")
        self.config = os.path.join(work, "herald.yaml")
        with open(self.config, "w") as f:
            f.write(f"listen: 127.0.0.1:{self.port}\nrules: {os.path.join(HERE, 'rules')}\nstore: sqlite:{self.store}\n"
                    "email:\n  from: \"Acme <no-reply@acme.example>\"\n"
                    + (smtp.config() if smtp else f"  transport: directory\n  directory: {self.outbox}\n") +
                    f"sms:\n  transport: directory\n  directory: {self.outbox}\n"
                    "retry: {first: 1s, max_interval: 2s, give_up_after: 1h}\n")
        self.log = open(os.path.join(work, "serve.log"), "ab")
        self.proc = None

    def start(self, timeout=60):
        env = dict(os.environ, HERALD_TOKEN=TOKEN, HERALD_SMTP_PASSWORD="crash-secret")
        self.proc = subprocess.Popen([self.herald, "serve", "--config", self.config], cwd=self.work, env=env,
                                     stdout=self.log, stderr=self.log)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"herald serve exited {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.02)
        raise RuntimeError("no /healthz answer")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
                return None
        return self.proc.returncode if self.proc else None


class Load:
    """Client threads: each event is posted until a 200 answers it."""

    def __init__(self, url, clients):
        self.url, self.clients = url, clients
        self.acked = set()
        self.deliveries = set()
        self.lock = threading.Lock()
        self.stop_flag = threading.Event()
        self.counter = 0
        self.threads = []

    def next_events(self, rnd):
        with self.lock:
            self.counter += 1
            n = self.counter
        now = time.time()
        wo = f"WO-{n % 400}"
        kinds = []
        size = 1 if rnd.random() < 0.5 else rnd.randint(2, 20)
        for i in range(size):
            k = rnd.random()
            base = {"id": f"ev-{n}-{i}", "occurred_at": iso(now - 30), "location": "centro",
                    "client": {"id": f"C-{n % 97}", "name": "Maria Souza", "email": f"c{n % 97}@example.com",
                               "phone": "+5511999990000", "accepts_email": True, "accepts_sms": True}}
            w = {"id": f"{wo}-{i}", "number": str(n), "status": "open"}
            if k < 0.5:
                base["type"] = "work_order.created"
            elif k < 0.75:
                base["type"] = "work_order.status_changed"
                w.update(status="ready_for_pickup", previous_status="in_repair")
            elif k < 0.9:
                base["type"] = "work_order.closed"
                w.update(status="delivered")
            else:
                base["type"] = "work_order.schedule_changed"
                w["scheduled_for"] = iso(now + 86400 * rnd.randint(2, 9))
            base["work_order"] = w
            kinds.append(base)
        return kinds

    def post(self, events):
        if len(events) == 1:
            body, ctype = json.dumps(events[0]).encode(), "application/json"
        else:
            body, ctype = "".join(json.dumps(e) + "\n" for e in events).encode(), "application/x-ndjson"
        req = urllib.request.Request(self.url + "/v1/events", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": ctype})
        with urllib.request.urlopen(req, timeout=10) as r:
            if r.status != 200:
                raise OSError(f"status {r.status}")
            return r.read()

    def worker(self, seed):
        rnd = random.Random(seed)
        while not self.stop_flag.is_set():
            events = self.next_events(rnd)
            while not self.stop_flag.is_set():
                try:
                    reply = self.post(events)
                except (OSError, urllib.error.URLError, ConnectionError):
                    time.sleep(0.02)
                    continue
                with self.lock:
                    for e in events:
                        self.acked.add(e["id"])
                    for line in reply.decode().splitlines():
                        if line.strip():
                            r = json.loads(line)
                            if r.get("delivery"):
                                self.deliveries.add(r["delivery"])
                break

    def start(self):
        for i in range(self.clients):
            t = threading.Thread(target=self.worker, args=(i,), daemon=True)
            t.start()
            self.threads.append(t)

    def finish(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join(30)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--herald", required=True)
    ap.add_argument("--kills", type=int, default=100)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=240)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--smtp", action="store_true", help="email over SMTP to the aiosmtpd test server")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    random.seed(a.seed)
    work = tempfile.mkdtemp(prefix="herald-crash-")
    smtp = SMTPServer(work) if a.smtp else None
    svc = Service(os.path.abspath(a.herald), work, smtp)
    load = Load(svc.url, a.clients)
    results = []

    def check(name, ok, detail=""):
        results.append(ok)
        print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"), flush=True)

    kills = 0
    began = time.time()
    try:
        svc.start()
        load.start()
        while kills < a.kills and time.time() - began < a.seconds:
            time.sleep(random.uniform(0.05, 0.6))
            svc.kill()
            kills += 1
            svc.start()
        time.sleep(0.5)
        load.finish()
        # Drain: everything due is sent (SMTP to the Python test server is the slowest: allow 3 minutes).
        deadline = time.time() + 180
        while time.time() < deadline:
            db = sqlite3.connect(svc.store)
            left = db.execute("SELECT COUNT(*) FROM deliveries WHERE status IN ('scheduled','retrying','sending') "
                              "AND due_at <= ?", (time.time(),)).fetchone()[0]
            db.close()
            if left == 0:
                break
            time.sleep(0.5)
        code = svc.stop()
        check("the service stops cleanly after the run (exit 0)", code == 0, f"exit {code}")
    except Exception as e:
        check("the run", False, f"{type(e).__name__}: {e}")
        svc.kill()
        load.finish()

    db = sqlite3.connect(svc.store)
    processed = {r[0] for r in db.execute("SELECT id FROM processed_events")}
    events = {r[0] for r in db.execute("SELECT id FROM events")}
    rows = db.execute("SELECT id, key, status, due_at, rule FROM deliveries").fetchall()
    channels = dict(db.execute("SELECT id, channel FROM deliveries"))
    interrupted = {r[0] for r in db.execute("SELECT DISTINCT delivery_id FROM attempts WHERE outcome = 'interrupted'")}
    sent_attempts = dict(db.execute("SELECT delivery_id, COUNT(*) FROM attempts WHERE outcome = 'sent' GROUP BY delivery_id"))
    db.close()
    now = time.time()
    lost_events = load.acked - processed
    check(f"every acknowledged event is stored ({len(load.acked)} acknowledged)",
          not lost_events and load.acked <= events, f"{len(lost_events)} lost, e.g. {sorted(lost_events)[:5]}")
    ids = {r[0] for r in rows}
    lost_deliveries = load.deliveries - ids
    check(f"every delivery id in a 200 reply exists ({len(load.deliveries)})", not lost_deliveries,
          f"{len(lost_deliveries)} missing")
    event_keys = [r[1] for r in rows if r[4] != "visit-reminder"]
    twice = len(event_keys) - len(set(event_keys))
    check("no event was evaluated twice (one delivery per event-rule key)", twice == 0, f"{twice} duplicated keys")
    due = [r for r in rows if r[3] <= now - 1]
    unsent = [r for r in due if r[2] != "sent" and r[2] != "cancelled"]
    check(f"every due delivery is sent ({len(due)} due)", not unsent, f"{len(unsent)} not sent, e.g. {unsent[:3]}")
    sent = {r[0] for r in rows if r[2] == "sent"}
    multi = {d: n for d, n in sent_attempts.items() if n != 1}
    check("each sent delivery has exactly one attempt that ended sent", not multi and set(sent_attempts) == sent,
          f"{len(multi)} with several, {len(sent - set(sent_attempts))} with none")
    files = [f for f in os.listdir(svc.outbox) if not f.startswith(".")] if os.path.isdir(svc.outbox) else []
    file_ids = [f.rsplit(".", 1)[0] for f in files]
    twice_smtp = 0
    if smtp:
        smtp.stop()
        sent_sms = {d for d in sent if channels.get(d) == "sms"}
        sent_email = {d for d in sent if channels.get(d) == "email"}
        check(f"the outbox holds exactly one file per sent SMS ({len(files)} files)",
              sorted(file_ids) == sorted(sent_sms), f"{len(set(file_ids) - sent_sms)} extra, {len(sent_sms - set(file_ids))} missing")
        received = [m.strip("<>").split("@")[0] for m in smtp.received()]
        counts = {}
        for m in received:
            counts[m] = counts.get(m, 0) + 1
        lost_mail = sent_email - set(counts)
        check(f"every sent email reached the SMTP server ({len(sent_email)} sent, {len(received)} received)",
              not lost_mail, f"{len(lost_mail)} never received")
        dups = {m: n for m, n in counts.items() if n > 1}
        twice_smtp = sum(n - 1 for n in dups.values())
        unexplained = [m for m in dups if m not in interrupted]
        check(f"a message received twice belongs to a delivery interrupted by a kill, same Message-ID "
              f"({twice_smtp} second copies, {len([d for d in interrupted if channels.get(d) == 'email'])} email "
              "deliveries interrupted)", not unexplained and set(counts) <= set(channels),
              f"{len(unexplained)} unexplained duplicates")
    else:
        check(f"the outbox holds exactly one file per sent delivery ({len(files)} files)",
              sorted(file_ids) == sorted(sent), f"{len(set(file_ids) - sent)} extra, {len(sent - set(file_ids))} missing")
    print(f"kills={kills} seconds={time.time() - began:.0f} events_acked={len(load.acked)} events_stored={len(events)} "
          f"deliveries={len(rows)} sent={len(sent)} files={len(files)} lost_events={len(lost_events)} "
          f"lost_deliveries={len(lost_deliveries)} duplicated={twice} smtp_second_copies={twice_smtp} "
          f"interrupted={len(interrupted)} seed={a.seed}")
    failed = results.count(False)
    if a.keep or failed:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{results.count(True)} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
