#!/usr/bin/env python3
"""Moves a Herald SQLite store into an empty PostgreSQL store, losing nothing.

Usage: scripts/sqlite-to-postgres.py SQLITE_FILE POSTGRES_URL [--herald PATH]

Procedure (docs/service.md, "Moving from SQLite to PostgreSQL"):
 1. stop `herald serve` (SIGTERM: sends in progress finish);
 2. create the PostgreSQL tables: start `herald serve` once on the new store URL
    and stop it, or pass --herald so this script does it;
 3. run this script: every table is copied row for row (events with their raw
    bytes, decisions, deliveries with their statuses and attempts, rejects,
    processed ids, reminder plans, the rules hash); sequences continue after
    the copied rows, so cursors and ordering stay as they were;
 4. point `store:` at PostgreSQL and start the instances.

It refuses a PostgreSQL store that already holds events or deliveries, and
checks row counts table by table at the end. Needs `psql`.
"""
import argparse, csv, io, os, sqlite3, subprocess, sys, tempfile, time

TABLES = ["events", "processed_events", "decisions", "deliveries", "attempts", "rejects", "reminder_plans", "pending_sends",
          "meta"]
BYTEA = {("events", "raw"), ("rejects", "raw")}
BOOL = {("deliveries", "late")}
SEQUENCES = {"events": "seq", "deliveries": "seq", "rejects": "seq"}


def psql(url, *args, stdin=None):
    return subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-At", *args], input=stdin, capture_output=True,
                          text=True, check=True).stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sqlite")
    ap.add_argument("postgres")
    ap.add_argument("--herald", help="herald binary: creates the PostgreSQL tables first")
    a = ap.parse_args()
    if a.herald:
        migrate(a.herald, a.postgres)
    src = sqlite3.connect(f"file:{a.sqlite}?mode=ro", uri=True)
    busy = psql(a.postgres, "-c", "SELECT (SELECT COUNT(*) FROM events) + (SELECT COUNT(*) FROM deliveries)").strip()
    if busy != "0":
        sys.exit(f"refusing: {a.postgres} already holds {busy} events and deliveries")
    psql(a.postgres, "-c", "DELETE FROM meta")
    for table in TABLES:
        cols = [r[1] for r in src.execute(f"PRAGMA table_info({table})")]
        buf = io.StringIO()
        w = csv.writer(buf)
        n = 0
        for row in src.execute(f"SELECT {', '.join(cols)} FROM {table}"):
            out = []
            for c, v in zip(cols, row):
                if v is None:
                    out.append(None)
                elif (table, c) in BYTEA:
                    out.append("\\x" + bytes(v).hex())
                elif (table, c) in BOOL:
                    out.append("t" if v else "f")
                else:
                    out.append(v)
            w.writerow(["\\N" if v is None else v for v in out])
            n += 1
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            f.write(buf.getvalue())
        try:
            psql(a.postgres, "-c", f"\\copy {table} ({', '.join(cols)}) FROM '{f.name}' WITH (FORMAT csv, NULL '\\N')")
        finally:
            os.unlink(f.name)
        got = int(psql(a.postgres, "-c", f"SELECT COUNT(*) FROM {table}").strip())
        if got != n:
            sys.exit(f"{table}: copied {n} rows but PostgreSQL holds {got}")
        print(f"{table}: {n} rows")
    for table, col in SEQUENCES.items():
        psql(a.postgres, "-c",
             f"SELECT setval(pg_get_serial_sequence('{table}', '{col}'), COALESCE((SELECT MAX({col}) FROM {table}), 0) + 1, false)")
    print("done: point `store:` at the PostgreSQL URL and start the instances")


def migrate(herald, url):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as d:
        cfg = os.path.join(d, "herald.yaml")
        rules = os.path.join(d, "rules.yaml")
        open(rules, "w").write("rules: []\n")
        open(cfg, "w").write(f"listen: 127.0.0.1:{port}\nrules: {rules}\nstore: {url}\n")
        p = subprocess.Popen([herald, "serve", "--config", cfg], env=dict(os.environ, HERALD_TOKEN="migrate"),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        import urllib.request
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                if p.poll() is not None:
                    sys.exit("herald serve could not create the tables: " + p.stderr.read().decode()[-500:])
                time.sleep(0.1)
        p.terminate()
        p.wait(30)


if __name__ == "__main__":
    main()
