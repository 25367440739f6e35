#!/usr/bin/env python3
"""Several `herald serve` instances on one PostgreSQL database (SPEC §12.7, issue 10).

Usage: multi_instance_test.py --herald PATH --postgres URL [--events 20000] [--instances 3] [--keep]

URL is an administrative connection (postgres://USER@HOST:PORT/DB?sslmode=disable); the test
creates a fresh database on that server. It starts the instances on it with one shared outbox
folder (directory transports), posts the events round-robin over the instances in small NDJSON
batches while keeping each work order's events in order (a work order's next event is posted
only after its previous one was acknowledged), SIGKILLs one instance in the middle of the run
and restarts it, lets everything due be sent, and checks:

  * every acknowledged event is stored, once;
  * no delivery is sent twice: one delivery per event-rule key, one attempt that ended `sent`
    per sent delivery, and the outbox holds exactly one file per sent delivery;
  * every due delivery is sent (those of the killed instance after its lease ran out);
  * every work order's stored records equal what `herald eval` gives for its events in order.

Needs `psql` (Debian postgresql-client). The last line is 'N passed, N failed'.
"""
import argparse, collections, datetime, json, os, random, shutil, signal, socket, subprocess, sys, tempfile
import threading, time, urllib.error, urllib.parse, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
RULES = os.path.join(HERE, "..", "crash", "rules")
TOKEN = "multi-instance-token"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def psql(url, sql):
    p = subprocess.run(["psql", url, "-At", "-F", "\t", "-c", sql], capture_output=True, text=True, check=True)
    return [line.split("\t") for line in p.stdout.splitlines() if line]


def fresh_database(admin, prefix):
    """A new, empty database on the server of the admin URL: (its name, its store URL)."""
    db = prefix + str(os.getpid())
    psql(admin, f"DROP DATABASE IF EXISTS {db}")
    psql(admin, f"CREATE DATABASE {db}")
    u = urllib.parse.urlsplit(admin)
    return db, urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + db, u.query, ""))


def finish(results, work, admin, db, keep=False):
    """Keeps the work folder and database of a failed (or --keep) run, removes them otherwise,
    prints 'N passed, N failed' and exits 1 on any failure."""
    failed = results.count(False)
    if keep or failed:
        print(f"kept {work} (database {db})")
    else:
        shutil.rmtree(work, ignore_errors=True)
        psql(admin, f"DROP DATABASE IF EXISTS {db}")
    print(f"{results.count(True)} passed, {failed} failed")
    sys.exit(1 if failed else 0)


class Instance:
    def __init__(self, herald, work, n, store):
        self.herald, self.n = herald, n
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = os.path.join(work, f"i{n}")
        os.makedirs(self.dir)
        self.config = os.path.join(self.dir, "herald.yaml")
        outbox = os.path.join(work, "outbox")
        with open(self.config, "w") as f:
            f.write(f"listen: 127.0.0.1:{self.port}\nrules: {os.path.abspath(RULES)}\nstore: {store}\n"
                    "email:\n  from: \"Acme <no-reply@acme.example>\"\n"
                    f"  transport: directory\n  directory: {outbox}\n"
                    f"sms:\n  transport: directory\n  directory: {outbox}\n"
                    "retry: {first: 1s, max_interval: 2s, give_up_after: 1h}\nlease: 15s\n")
        self.log = open(os.path.join(self.dir, "serve.log"), "ab")
        self.proc = None

    def start(self):
        env = dict(os.environ, HERALD_TOKEN=TOKEN)
        self.proc = subprocess.Popen([self.herald, "serve", "--config", self.config], cwd=self.dir, env=env,
                                     stdout=self.log, stderr=self.log)
        for _ in range(600):
            if self.proc.poll() is not None:
                raise RuntimeError(f"instance {self.n} exited {self.proc.returncode}")
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"instance {self.n} did not start")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return None


def make_events(total, rnd):
    """Work orders, each with a history: created, status changes, schedules, closed."""
    now = time.time()
    per = 10
    orders = total // per
    streams = []
    for w in range(orders):
        wo = f"WO-{w}"
        client = {"id": f"C-{w % 300}", "name": "Maria Souza", "email": f"c{w % 300}@example.com",
                  "phone": "+5511999990000", "accepts_email": True, "accepts_sms": w % 7 != 0}
        t = now - 3600 + w * 0.001
        status = "open"
        events = []
        for i in range(per):
            t += 1
            w_ = {"id": wo, "number": str(w), "status": status}
            if i == 0:
                typ = "work_order.created"
            elif i == per - 1:
                typ = "work_order.closed"
                w_["status"] = "delivered"
            else:
                k = rnd.random()
                if k < 0.4:
                    typ = "work_order.schedule_changed"
                    w_["scheduled_for"] = iso(now + 86400 * rnd.randint(2, 5) + rnd.randint(0, 3) * 3600)
                elif k < 0.7:
                    typ = "work_order.status_changed"
                    new = rnd.choice(["in_repair", "ready_for_pickup"])
                    w_.update(status=new, previous_status=status)
                    status = new
                else:
                    typ = "work_order.status_changed"
                    w_.update(status=status, previous_status=status)
            events.append({"id": f"{wo}-e{i}", "type": typ, "occurred_at": iso(t), "location": "centro",
                           "work_order": w_, "client": client})
        streams.append(events)
    return streams


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--herald", required=True)
    ap.add_argument("--postgres", required=True)
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--instances", type=int, default=3)
    ap.add_argument("--clients", type=int, default=6)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    herald = os.path.abspath(a.herald)
    work = tempfile.mkdtemp(prefix="herald-multi-")
    db, store = fresh_database(a.postgres, "herald_multi_")
    instances = [Instance(herald, work, n, store) for n in range(a.instances)]
    results = []

    def check(name, ok, detail=""):
        results.append(ok)
        print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"), flush=True)

    streams = make_events(a.events, rnd)
    all_events = [e for s in streams for e in s]
    pending = collections.deque(range(len(streams)))
    next_index = [0] * len(streams)
    lock = threading.Lock()
    acked = set()
    posted = [0]
    rr = [0]
    killed = threading.Event()
    stop = threading.Event()

    def post(inst, events):
        body = "".join(json.dumps(e) + "\n" for e in events).encode()
        req = urllib.request.Request(inst.url + "/v1/events", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-ndjson"})
        with urllib.request.urlopen(req, timeout=30) as r:
            if r.status != 200:
                raise OSError(f"status {r.status}")
            return r.read()

    def worker():
        while not stop.is_set():
            with lock:
                take = []
                while pending and len(take) < 20:
                    take.append(pending.popleft())
                if not take:
                    if posted[0] >= len(all_events):
                        return
                    wait = True
                else:
                    wait = False
                    rr[0] += 1
                    target = rr[0]
            if wait:
                time.sleep(0.005)
                continue
            events = [streams[s][next_index[s]] for s in take]
            tries = 0
            while True:
                inst = instances[(target + tries) % len(instances)]
                try:
                    reply = post(inst, events)
                    break
                except (OSError, urllib.error.URLError, ConnectionError):
                    tries += 1
                    time.sleep(0.05)
            for r in (json.loads(l) for l in reply.decode().splitlines() if l.strip()):
                if r.get("decision") == "reject" and r.get("reason") not in ("duplicate-event",):
                    print("unexpected reject", r, file=sys.stderr)
            with lock:
                for s, e in zip(take, events):
                    acked.add(e["id"])
                    next_index[s] += 1
                    posted[0] += 1
                    if next_index[s] < len(streams[s]):
                        pending.append(s)

    began = time.time()
    try:
        for i in instances:
            i.start()
        threads = [threading.Thread(target=worker, daemon=True) for _ in range(a.clients)]
        for t in threads:
            t.start()
        while posted[0] < len(all_events) * 0.4 and time.time() - began < 600:
            time.sleep(0.05)
        victim = instances[1 % len(instances)]
        victim.kill()
        killed_at = posted[0]
        time.sleep(1.0)
        victim.start()
        for t in threads:
            t.join(900)
        intake_seconds = time.time() - began
        deadline = time.time() + 120
        while time.time() < deadline:
            left = int(psql(store, "SELECT COUNT(*) FROM deliveries WHERE status IN ('scheduled','retrying','sending') "
                                   f"AND due_at <= {time.time()}")[0][0])
            if left == 0:
                break
            time.sleep(0.5)
        codes = [i.stop() for i in instances]
        check("every instance stops cleanly (exit 0)", codes == [0] * len(instances), f"{codes}")
    except Exception as e:
        check("the run", False, f"{type(e).__name__}: {e}")
        stop.set()
        for i in instances:
            if i.proc and i.proc.poll() is None:
                i.kill()
        killed_at = posted[0]
        intake_seconds = time.time() - began

    processed = {r[0] for r in psql(store, "SELECT id FROM processed_events")}
    stored_events = [r[0] for r in psql(store, "SELECT id FROM events")]
    lost = acked - processed
    check(f"every acknowledged event is stored ({len(acked)} of {len(all_events)})",
          not lost and len(acked) == len(all_events), f"{len(lost)} lost")
    check("no event is stored twice", len(stored_events) == len(set(stored_events)), "")
    rows = psql(store, "SELECT id, key, status, due_at, rule FROM deliveries")
    event_keys = [r[1] for r in rows if r[4] != "visit-reminder"]
    dup = len(event_keys) - len(set(event_keys))
    check("one delivery per event-rule key", dup == 0, f"{dup} duplicated")
    sent = {r[0] for r in rows if r[2] == "sent"}
    sent_attempts = collections.Counter(r[0] for r in psql(store, "SELECT delivery_id FROM attempts WHERE outcome = 'sent'"))
    multi = [d for d, n in sent_attempts.items() if n > 1]
    check("each sent delivery has exactly one attempt that ended sent", not multi and set(sent_attempts) == sent,
          f"{len(multi)} sent twice, {len(sent - set(sent_attempts))} without")
    now = time.time()
    unsent = [r for r in rows if float(r[3]) <= now - 1 and r[2] not in ("sent", "cancelled")]
    check(f"every due delivery is sent ({len(sent)} sent)", not unsent, f"{len(unsent)} not, e.g. {unsent[:3]}")
    outbox = os.path.join(work, "outbox")
    files = [f.rsplit(".", 1)[0] for f in os.listdir(outbox) if not f.startswith(".")] if os.path.isdir(outbox) else []
    check(f"the shared outbox holds exactly one file per sent delivery ({len(files)})",
          sorted(files) == sorted(sent), f"{len(set(files) - sent)} extra, {len(sent - set(files))} missing")

    # Records per work order against `herald eval` of its events in order.
    stored = collections.defaultdict(list)
    for entity, record in psql(store, "SELECT e.entity_id, d.record FROM events e JOIN decisions d ON d.event_seq = e.seq "
                                      "ORDER BY e.seq, d.position"):
        r = json.loads(record)
        r.pop("delivery", None)
        stored[entity].append(r)
    ordered = "".join(json.dumps(e) + "\n" for s in streams for e in s)
    p = subprocess.run([herald, "eval", "--rules", RULES, "-"], input=ordered, capture_output=True, text=True)
    entity_of = {e["id"]: e["work_order"]["id"] for e in all_events}
    expected = collections.defaultdict(list)
    for line in p.stdout.splitlines():
        r = json.loads(line)
        expected[entity_of[r["event"]]].append(r)
    differ = [w for w in set(expected) | set(stored) if expected[w] != stored[w]]
    check(f"every work order's records equal `herald eval` of its events ({len(expected)} work orders)", not differ,
          f"{len(differ)} differ, e.g. {differ[:1]}: {stored[differ[0]][:2] if differ else ''} vs "
          f"{expected[differ[0]][:2] if differ else ''}")
    print(f"instances={len(instances)} events={len(all_events)} acked={len(acked)} killed_after={killed_at} "
          f"intake_seconds={intake_seconds:.1f} deliveries={len(rows)} sent={len(sent)} files={len(files)} "
          f"lost={len(lost)} duplicated={dup} seed={a.seed}")
    finish(results, work, a.postgres, db, keep=a.keep)


if __name__ == "__main__":
    main()
