#!/usr/bin/env python3
"""Events of one work order taken by different instances at the same moment (SPEC §12.5, §12.7).

Usage: timeline_race_test.py --herald PATH --postgres URL [--orders 40] [--instances 3]

Starts the instances on a fresh database and, for each work order, posts its
`schedule_changed` events all at once, each to another instance. Evaluation is
serial per entity (§12.7), so whatever order the requests committed in, the first
event evaluated plans the visit reminder (`send`) and each later one replaces it
(`cancel` rescheduled, then `send`). The check: each timeline lists the events in
that order, the plain `send` first (§12.5 "in the order things happened"). A store
that stamped a transaction with the time its request arrived, before it waited
for the entity's lock, listed a later-evaluated event first.

The last line is 'N passed, N failed'.
"""
import argparse, json, os, sys, tempfile, threading, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from multi_instance_test import TOKEN, Instance, finish, fresh_database, iso  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--herald", required=True)
    ap.add_argument("--postgres", required=True)
    ap.add_argument("--orders", type=int, default=40)
    ap.add_argument("--instances", type=int, default=3)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="herald-race-")
    db, store = fresh_database(a.postgres, "herald_race_")
    instances = [Instance(os.path.abspath(a.herald), work, n, store) for n in range(a.instances)]
    results = []

    def check(name, ok, detail=""):
        results.append(ok)
        print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"), flush=True)

    def request(inst, path, body=None):
        req = urllib.request.Request(inst.url + path, data=body, method="POST" if body else "GET",
                                     headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read()) if not body else r.read()

    now = time.time()
    try:
        for i in instances:
            i.start()
        barrier = threading.Barrier(a.orders * a.instances)
        errors = []

        def post(inst, event):
            try:
                barrier.wait(30)
                request(inst, "/v1/events", json.dumps(event).encode())
            except Exception as e:  # noqa: BLE001 (reported below)
                errors.append(e)

        threads = []
        for w in range(a.orders):
            wo = f"WO-RACE-{w}"
            for j, inst in enumerate(instances):
                event = {"id": f"{wo}-{j}", "type": "work_order.schedule_changed", "occurred_at": iso(now - 600 + j),
                         "location": "centro",
                         "work_order": {"id": wo, "number": str(w), "status": "open",
                                        "scheduled_for": iso(now + 86400 * (3 + j))},
                         "client": {"id": f"C-{w}", "name": "Maria", "phone": "+5511999990000", "accepts_sms": True}}
                threads.append(threading.Thread(target=post, args=(inst, event)))
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        check("every event is acknowledged", not errors, f"{len(errors)} failed, e.g. {errors[:1]}")

        wrong = []
        for w in range(a.orders):
            items = request(instances[0], f"/v1/work-orders/WO-RACE-{w}/timeline")["items"]
            decisions = []
            for it in items:
                if it["kind"] == "event":
                    decisions.append([])
                elif it["kind"] == "decision" and decisions:
                    decisions[-1].append(it["record"]["decision"])
            expected = [["send"]] + [["cancel", "send"]] * (a.instances - 1)
            if decisions != expected:
                wrong.append((w, decisions))
        check(f"each timeline lists its events in the order they were evaluated ({a.orders} work orders, "
              f"{a.instances} instances)", not wrong, f"{len(wrong)} not, e.g. {wrong[:2]}")
        scheduled = len(request(instances[0], "/v1/deliveries?status=scheduled&limit=1000")["items"])
        check("one visit reminder is left scheduled per work order", scheduled == a.orders, f"{scheduled}")
        codes = [i.stop() for i in instances]
        check("every instance stops cleanly (exit 0)", codes == [0] * len(instances), f"{codes}")
    except Exception as e:  # noqa: BLE001
        check("the run", False, f"{type(e).__name__}: {e}")
        for i in instances:
            if i.proc and i.proc.poll() is None:
                i.kill()
    finish(results, work, a.postgres, db)


if __name__ == "__main__":
    main()
