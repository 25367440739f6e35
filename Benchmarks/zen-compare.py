#!/usr/bin/env python3
"""Herald and zen-engine side by side on the same rules and events.

Generates, for each size (default 10, 1,000 and 10,000 rules), a rule set of
the `moving` shape of herald-bench (about 20 rules per location, 15 % of them
reminders, work orders that move to another location half-way through their
life, about 5 records per event) and an NDJSON event stream, then in one run:

* Herald: `herald compile` to a bundle, then `herald eval --rules BUNDLE
  EVENTS > /dev/null`, timed end to end (process start, bundle load,
  decoding, matching, every check, timing, rendering every message and
  writing every record);
* zen-engine (its Rust core, driven from Python): one decision table of the
  same rules (hit policy `collect`, one row per rule: event type, location,
  new and previous status, the `where` condition; outputs rule id and
  channel), each event's JSON line evaluated with `ZenDecision.evaluate`,
  timed around the loop only (table loaded before): matching only, no
  timing, no rendering, no state. zen-engine evaluates the first
  `--zen-events` events (default 20,000) to keep the run short.

and prints both rates (events per second) and Herald's rate over zen's.
Herald runs twice per size (best kept); zen once over all events. Both run
on one CPU (SPEC §13 measures on one core; `--cpu -1` to not pin).

Usage (zen-engine from PyPI in a virtual environment):

    python3 -m venv .venv-zen && .venv-zen/bin/pip install zen-engine==2.1.3
    swift build -c release --product herald
    .venv-zen/bin/python Benchmarks/zen-compare.py --herald .build/release/herald
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

RULES_PER_LOCATION = 20
STATUSES = ["open", "diagnosing", "in_repair", "awaiting_parts", "ready_for_pickup", "delivered", "cancelled"]

# (trigger or "remind", to status, channel, extra YAML, zen condition or "")
SLOTS = [
    ("work_order.created", None, "[sms, email]", "", ""),
    ("work_order.status_changed", "diagnosing", "[email, sms]", "", ""),
    ("work_order.status_changed", "in_repair", "[sms, email]", "", ""),
    ("remind", None, "sms", "    before: 1d\n    work_hours: defer\n", ""),
    ("work_order.status_changed", "awaiting_parts", "[sms, email]",
     "    where: work_order.priority == \"urgent\" or client.vip\n",
     "work_order.priority == \"urgent\" or client.vip == true"),
    ("work_order.status_changed", "ready_for_pickup", "sms",
     "    from: [in_repair, awaiting_parts]\n    fallback: email\n    work_hours: defer\n", ""),
    ("work_order.schedule_changed", None, "email", "", ""),
    ("work_order.closed", None, "sms", "    delay: 1d\n    work_hours: defer\n", ""),
    ("work_order.status_changed", "delivered", "[email, sms]", "", ""),
    ("work_order.status_changed", "diagnosing", "sms", "", ""),
    ("remind", None, "email", "    before: 2h\n", ""),
    ("work_order.created", None, "email", "    delay: 30m\n", ""),
    ("work_order.status_changed", "in_repair", "email", "    where: client.vip\n", "client.vip == true"),
    ("work_order.status_changed", "awaiting_parts", "[sms, email]", "", ""),
    ("work_order.status_changed", "ready_for_pickup", "[email, sms]", "", ""),
    ("work_order.schedule_changed", None, "sms", "", ""),
    ("work_order.closed", None, "[email, sms]", "", ""),
    ("remind", None, "sms", "    before: 30m\n", ""),
    ("work_order.status_changed", None, "email", "    where: work_order.status not in [\"cancelled\", \"open\"]\n",
     "not (work_order.status in [\"cancelled\", \"open\"])"),
    ("work_order.status_changed", "delivered", "sms", "    delay: 2h\n", ""),
]

STEPS = [
    ("work_order.created", "open", None),
    ("work_order.status_changed", "diagnosing", "open"),
    ("work_order.schedule_changed", "diagnosing", None),
    ("work_order.status_changed", "in_repair", "diagnosing"),
    ("work_order.status_changed", "awaiting_parts", "in_repair"),
    ("work_order.status_changed", "ready_for_pickup", "awaiting_parts"),
    ("work_order.status_changed", "delivered", "ready_for_pickup"),
    ("work_order.closed", "delivered", None),
]


def location_count(rules):
    return max(1, (rules + RULES_PER_LOCATION - 1) // RULES_PER_LOCATION)


def rules_yaml(count):
    y = ["herald: 1\nstatuses:\n  work_order: [" + ", ".join(STATUSES) + "]\n",
         "fields:\n  work_order:\n    priority: {type: enum, values: [low, normal, urgent]}\n    device: string\n"
         "  client:\n    vip: bool\n",
         "calendars:\n  shop:\n    timezone: America/Sao_Paulo\n    hours:\n      mon-fri: \"08:00-18:00\"\n"
         "      sat: \"09:00-13:00\"\n    closed: [2026-04-21]\n",
         "locations:\n"]
    for l in range(location_count(count)):
        y.append(f"  loc{l}: {{name: \"Loja {l}\", calendar: shop, reply_to: loc{l}@acme.example, "
                 f"vars: {{portal: \"https://acme.example/loc{l}\"}}}}\n")
    y.append("templates:\n")
    for i in range(count):
        if SLOTS[i % RULES_PER_LOCATION][0] == "remind":
            y.append(f"  t{i}:\n"
                     f"    sms: \"Lembrete: OS {{{{work_order.number}}}} em {{{{work_order.scheduled_for | date: \\\"dd/MM HH:mm\\\"}}}} na {{{{location.name}}}} ({i}).\"\n"
                     f"    email:\n      subject: \"Lembrete da visita, OS {{{{work_order.number}}}}\"\n"
                     f"      body: \"Olá {{{{client.first_name | default: client.name}}}}, sua visita é {{{{work_order.scheduled_for | date: \\\"dd/MM/yyyy HH:mm\\\"}}}}. {{{{location.vars.portal}}}} ({i})\"\n")
        else:
            y.append(f"  t{i}:\n"
                     f"    sms: \"Olá {{{{client.first_name | default: client.name}}}}, a OS {{{{work_order.number}}}} está {{{{work_order.status}}}} ({i}).\"\n"
                     f"    email:\n      subject: \"OS {{{{work_order.number}}}}: {{{{work_order.status}}}}\"\n"
                     f"      body: \"Olá {{{{client.name}}}}, sua OS {{{{work_order.number}}}} ({{{{work_order.device | default: \\\"aparelho\\\"}}}}) mudou. Acompanhe em {{{{location.vars.portal}}}} ({i}).\"\n")
    y.append("rules:\n")
    for i in range(count):
        on, to, channel, extra, _ = SLOTS[i % RULES_PER_LOCATION]
        if on == "remind":
            y.append(f"  - id: r{i}\n    remind: work_order.scheduled_for\n")
        else:
            y.append(f"  - id: r{i}\n    on: {on}\n" + (f"    to: {to}\n" if to else ""))
        y.append(f"    locations: [loc{i // RULES_PER_LOCATION}]\n    channel: {channel}\n    template: t{i}\n" + extra)
    return "".join(y)


def decision_table(count):
    """A JDM graph with one decision table (hit policy collect) of the rules."""
    inputs = [
        {"id": "type", "name": "Type", "field": "type"},
        {"id": "location", "name": "Location", "field": "location"},
        {"id": "to", "name": "Status", "field": "work_order.status"},
        {"id": "from", "name": "Previous status", "field": "work_order.previous_status"},
        {"id": "where", "name": "Condition"},
    ]
    outputs = [{"id": "rule", "name": "Rule", "field": "rule"}, {"id": "channel", "name": "Channel", "field": "channel"}]
    rows = []
    for i in range(count):
        on, to, channel, extra, where = SLOTS[i % RULES_PER_LOCATION]
        row = {"_id": f"r{i}", "location": f"\"loc{i // RULES_PER_LOCATION}\"", "to": "", "from": "", "where": where}
        if on == "remind":
            # A reminder applies to every work-order event that carries the
            # field, except the one that closes the work order.
            row["type"] = '"work_order.created", "work_order.status_changed", "work_order.schedule_changed"'
            row["where"] = "work_order.scheduled_for != null"
        else:
            row["type"] = f"\"{on}\""
            if to:
                row["to"] = f"\"{to}\""
            if "from:" in extra:
                row["from"] = '"in_repair", "awaiting_parts"'
        row["rule"] = f"\"r{i}\""
        row["channel"] = json.dumps(channel)
        rows.append(row)
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "Event", "position": {"x": 0, "y": 0}},
            {"id": "table", "type": "decisionTableNode", "name": "Rules", "position": {"x": 300, "y": 0},
             "content": {"hitPolicy": "collect", "inputs": inputs, "outputs": outputs, "rules": rows}},
            {"id": "out", "type": "outputNode", "name": "Matches", "position": {"x": 600, "y": 0}},
        ],
        "edges": [{"id": "e1", "sourceId": "in", "targetId": "table"}, {"id": "e2", "sourceId": "table", "targetId": "out"}],
    }


def rfc3339(seconds):
    t = time.gmtime(seconds - 3 * 3600)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + "-03:00"


def events(count, total):
    """`total` NDJSON lines: work orders in batches of 50 go through STEPS together, one event every 20 s."""
    locations = location_count(count)
    seed = 0x2545F491
    start = 1775473200  # 2026-04-06T08:00:00-03:00, a Monday
    k = 0
    batch = 0
    lines = []
    while k < total:
        homes = []
        for _ in range(50):
            seed = (seed * 6364136223846793005 + 1442695040888963407) % (1 << 64)
            homes.append((seed >> 33) % locations)
        for s, (type_, status, previous) in enumerate(STEPS):
            for w in range(50):
                if k >= total:
                    break
                order = batch * 50 + w
                at = start + k * 20
                location = (homes[w] + 1) % locations if s >= 4 else homes[w]
                client = order % 5000
                wo = {"id": f"WO-{order}", "number": str(100000 + order), "status": status}
                if previous:
                    wo["previous_status"] = previous
                if s >= 2:
                    day = (start + batch * 50 * len(STEPS) * 20) // 86400 * 86400 + 2 * 86400 + 17 * 3600
                    wo["scheduled_for"] = rfc3339(day)
                wo["priority"] = "urgent" if order % 2 == 0 else "normal"
                if order % 4 != 0:
                    wo["device"] = "iPhone 13"
                event = {"id": f"m-{k}", "type": type_, "occurred_at": rfc3339(at), "location": f"loc{location}",
                         "work_order": wo,
                         "client": {"id": f"C-{client}", "name": f"Cliente Número {client}", "first_name": "Cliente",
                                    "email": f"c{client}@example.com", "phone": f"+55119{10000000 + client}",
                                    "accepts_email": True, "accepts_sms": client % 5 != 0, "vip": client % 3 == 0,
                                    "language": "pt-BR"}}
                lines.append(json.dumps(event, ensure_ascii=False))
                k += 1
        batch += 1
    return lines


def run_herald(herald, bundle, events_path):
    """Seconds for `herald eval` of the bundle over the events, and the records written."""
    begin = time.perf_counter()
    with open(events_path, "rb") as f:
        out = subprocess.run([herald, "eval", "--rules", bundle], stdin=f, stdout=subprocess.PIPE, check=True).stdout
    return time.perf_counter() - begin, out.count(b"\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--herald", required=True, help="path of a release `herald` executable")
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 1000, 10000])
    ap.add_argument("--events", type=int, default=100000)
    ap.add_argument("--zen-events", type=int, default=20000,
                    help="zen-engine evaluates the first N events only (its rate over those; default 20,000: "
                         "at 10,000 rules it takes milliseconds per event here)")
    ap.add_argument("--dir", help="where to write the generated files (default: a temporary directory)")
    ap.add_argument("--cpu", type=int, default=os.cpu_count() - 1,
                    help="run both on this one CPU (default: the last; -1: no pinning). zen-engine's Python "
                         "binding hands each call to a worker thread, which costs far more when that thread "
                         "waits for another core")
    a = ap.parse_args()
    if a.cpu >= 0:
        os.sched_setaffinity(0, {a.cpu})  # inherited by zen's threads and by herald
    try:
        import zen
    except ImportError:
        sys.exit("zen-engine is not installed: python3 -m venv .venv-zen && .venv-zen/bin/pip install zen-engine==2.1.3")
    herald = os.path.abspath(a.herald)
    work = a.dir or tempfile.mkdtemp(prefix="zen-compare-")
    os.makedirs(work, exist_ok=True)
    print(f"{a.events:,} events per size (zen-engine: the first {min(a.zen_events, a.events):,}); files in {work}",
          file=sys.stderr)
    print("| rules | Herald `eval` of the bundle, events/s | records/event | zen-engine matching, events/s "
          "| matched rows/event | Herald ÷ zen |")
    print("|---:|---:|---:|---:|---:|---:|")
    for count in a.sizes:
        rules_path = os.path.join(work, f"moving-{count}.yaml")
        bundle = os.path.join(work, f"moving-{count}.bundle")
        events_path = os.path.join(work, f"moving-{count}.ndjson")
        with open(rules_path, "w", encoding="utf-8") as f:
            f.write(rules_yaml(count))
        lines = events(count, a.events)
        with open(events_path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        subprocess.run([herald, "compile", rules_path, "-o", bundle], check=True, stderr=subprocess.DEVNULL)

        engine = zen.ZenEngine()
        decision = engine.create_decision(json.dumps(decision_table(count)))
        encoded = [line.encode() for line in lines[:a.zen_events]]
        matched = 0
        begin = time.perf_counter()
        for line in encoded:
            matched += len(decision.evaluate(line)["result"])
        zen_seconds = time.perf_counter() - begin

        herald_seconds, records = min(run_herald(herald, bundle, events_path) for _ in range(2))
        herald_rate = a.events / herald_seconds
        zen_rate = len(encoded) / zen_seconds
        print(f"| {count:,} | {herald_rate:,.0f} | {records / a.events:.2f} | {zen_rate:,.0f} "
              f"| {matched / len(encoded):.2f} | {herald_rate / zen_rate:.1f}× |", flush=True)


if __name__ == "__main__":
    main()
