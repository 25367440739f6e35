#!/usr/bin/env python3
"""SIGTERM during a large request (SPEC §10.6: on SIGINT/SIGTERM `herald serve`
finishes the requests and sends in progress and exits 0).

Usage: sigterm_test.py --herald PATH [--events 20000] [--delays 0.3,1,2]

For each delay: starts the service on a fresh SQLite store, posts one NDJSON
batch of --events work_order.created events (a reply of several megabytes),
sends SIGTERM that long after the request started, and checks that

  * the client reads the whole reply: status 200, every line JSON, one
    `send` per listed channel of every event (none cut off);
  * the service exits 0;
  * restarted on the same store, the same batch is all `duplicate-event`
    (what was answered was committed).

Standard library only. The last line is 'N passed, N failed'.
"""
import argparse, datetime, json, os, shutil, signal, subprocess, sys, tempfile, threading, time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crash_test import Service, TOKEN, iso  # noqa: E402


def batch(n, tag):
    now = time.time()
    lines = []
    for i in range(n):
        lines.append(json.dumps({
            "id": f"{tag}-{i}", "type": "work_order.created", "occurred_at": iso(now - 30), "location": "centro",
            "work_order": {"id": f"WO-{i % 500}", "number": str(1000 + i), "status": "open"},
            "client": {"id": f"C-{i % 97}", "name": "Maria Souza", "email": f"c{i % 97}@example.com",
                       "phone": "+5511999990000", "accepts_email": True, "accepts_sms": True}}))
    return ("\n".join(lines) + "\n").encode()


def post(url, body, timeout=300):
    req = urllib.request.Request(url + "/v1/events", data=body, method="POST",
                                 headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-ndjson"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--herald", required=True)
    p.add_argument("--events", type=int, default=20000)
    p.add_argument("--delays", default="0.3,1,2")
    a = p.parse_args()
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        print(("ok    " if ok else "FAIL  ") + what)
        if ok:
            passed += 1
        else:
            failed += 1

    for delay in [float(d) for d in a.delays.split(",")]:
        work = tempfile.mkdtemp(prefix="herald-sigterm-")
        try:
            svc = Service(a.herald, work)
            svc.start()
            body = batch(a.events, f"t{delay}")
            result = {}

            def send():
                try:
                    result["status"], result["reply"] = post(svc.url, body)
                except Exception as e:  # a cut reply: IncompleteRead, reset
                    result["error"] = repr(e)[:200]

            client = threading.Thread(target=send)
            client.start()
            time.sleep(delay)
            svc.proc.send_signal(signal.SIGTERM)
            try:
                code = svc.proc.wait(120)
            except subprocess.TimeoutExpired:
                svc.kill()
                code = None
            client.join(300)
            what = f"SIGTERM {delay}s into a batch of {a.events} events"
            if "error" in result or result.get("status") != 200:
                check(False, f"{what}: the reply was cut or refused ({result.get('error') or result.get('status')})")
                continue
            lines = result["reply"].decode().splitlines()
            try:
                records = [json.loads(l) for l in lines if l.strip()]
            except ValueError:
                records = None
            sends = [r for r in records or [] if r.get("decision") == "send"]
            events = {r.get("event") for r in sends}
            check(records is not None and len(events) == a.events and len(sends) == len(records),
                  f"{what}: the whole reply was read ({len(records or [])} records for {len(events)} events)")
            check(code == 0, f"{what}: the service exited {code}")
            svc.start()
            status, again = post(svc.url, body)
            reasons = {json.loads(l).get("reason") for l in again.decode().splitlines() if l.strip()}
            check(status == 200 and reasons == {"duplicate-event"},
                  f"{what}: after a restart the batch is all duplicate-event ({sorted(r or '-' for r in reasons)})")
            svc.stop()
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
