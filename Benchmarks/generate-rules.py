#!/usr/bin/env python3
"""Writes a generated Herald rule set for the lint/compile benchmark.

Usage: generate-rules.py DIR [--rules 10000] [--files 100]

DIR receives `herald.yaml` (statuses, fields, calendars, locations, shared
templates) and FILES files `rules-NNN.yaml` holding RULES rules in all, a mix
of event rules (every trigger, to/from filters, where conditions, delays,
working hours, fallback) and reminders, each with its own template. The set
lints clean, so the benchmark measures the whole pipeline: libyaml parsing,
checking every rule, expression and template. Then, in a release build:

    swift build -c release
    python3 Benchmarks/generate-rules.py /tmp/herald-10k
    time .build/release/herald lint /tmp/herald-10k
"""
import argparse
import os

HEADER = """herald: 1
statuses:
  work_order: [open, diagnosing, in_repair, awaiting_parts, ready_for_pickup, delivered, cancelled]
  lead: [new, contacted, quoted, won, lost]
fields:
  work_order:
    priority: {type: enum, values: [low, normal, urgent]}
    device: string
    total: decimal
  client:
    vip: bool
calendars:
  shop-hours:
    timezone: America/Sao_Paulo
    hours:
      mon-fri: "08:00-12:00, 13:00-18:00"
      sat: "09:00-13:00"
    closed: [2026-12-25, 2027-01-01]
locations:
"""

LOCATIONS = 20


def location_block():
    out = []
    for i in range(LOCATIONS):
        out.append(f"  loc-{i:02}:\n    name: Shop {i}\n    calendar: shop-hours\n"
                   f"    reply_to: shop{i}@acme.example\n"
                   f"    vars: {{portal_url: \"https://acme.example/{i}\", phone: \"+55 11 4000-{i:04}\"}}\n")
    return "".join(out)


def rule(i):
    loc = f"loc-{i % LOCATIONS:02}"
    kind = i % 6
    t = f"t{i}"
    if kind == 0:
        tpl = (f"  {t}:\n    sms: \"Olá {{{{client.first_name | default: client.name}}}}, OS {{{{work_order.number}}}} criada.\"\n"
               f"    email:\n      subject: \"OS {{{{work_order.number}}}} criada\"\n"
               f"      body: \"Acompanhe em {{{{location.vars.portal_url}}}}\"\n")
        r = (f"  - id: r{i}\n    on: work_order.created\n    locations: [{loc}]\n"
             f"    where: work_order.number != \"X{i}\"\n    channel: [sms, email]\n    template: {t}\n")
    elif kind == 1:
        tpl = f"  {t}:\n    sms: \"OS {{{{work_order.number}}}} pronta para retirada ({{{{work_order.device | default: \\\"aparelho\\\"}}}}).\"\n"
        r = (f"  - id: r{i}\n    on: work_order.status_changed\n    to: ready_for_pickup\n"
             f"    from: [in_repair, awaiting_parts]\n    locations: [{loc}]\n"
             f"    where: (work_order.priority == \"urgent\" or client.vip) and work_order.id != \"X{i}\"\n"
             f"    channel: sms\n    fallback: email\n    work_hours: defer\n    template: {t}\n")
        tpl += f"    email:\n      subject: \"OS {{{{work_order.number}}}} pronta\"\n      body: \"Pode retirar.\"\n"
    elif kind == 2:
        tpl = f"  {t}:\n    sms: \"Como foi a OS {{{{work_order.number}}}}? Responda de 1 a 5.\"\n"
        r = (f"  - id: r{i}\n    on: work_order.closed\n    locations: [{loc}]\n    delay: {1 + i % 3}h\n"
             f"    work_hours: defer\n    where: work_order.id != \"X{i}\"\n    channel: sms\n    template: {t}\n")
    elif kind == 3:
        tpl = f"  {t}:\n    sms: \"Lembrete: visita {{{{work_order.scheduled_for | date: \\\"dd/MM HH:mm\\\"}}}}.\"\n"
        r = (f"  - id: r{i}\n    remind: work_order.scheduled_for\n    before: {1 + i % 2}d\n"
             f"    locations: [{loc}]\n    where: work_order.id != \"X{i}\"\n    channel: sms\n    template: {t}\n")
    elif kind == 4:
        tpl = (f"  {t}:\n    email:\n      subject: \"Recebemos seu contato\"\n"
               f"      body: \"Olá {{{{lead.name}}}}, obrigado.\"\n")
        r = (f"  - id: r{i}\n    on: lead.status_changed\n    to: [quoted, won]\n    locations: [{loc}]\n"
             f"    where: not client.head_office and lead.id != \"X{i}\"\n    channel: email\n    template: {t}\n")
    else:
        tpl = (f"  {t}:\n    email:\n      subject: \"OS {{{{work_order.number}}}}: {{{{work_order.status | upper}}}}\"\n"
               f"      body: |\n        Olá {{{{client.name}}}},\n"
               f"        {{{{#if work_order.scheduled_for}}}}Visita: {{{{work_order.scheduled_for | date: \"dd/MM/yyyy HH:mm\"}}}}{{{{/if}}}}\n"
               f"      html: \"<p>{{{{client.name}}}}</p>\"\n")
        r = (f"  - id: r{i}\n    on: work_order.status_changed\n    to: {['diagnosing', 'awaiting_parts', 'delivered'][i % 3]}\n"
             f"    locations: [{loc}]\n    where: work_order.total >= {i} and has(work_order.device)\n"
             f"    channel: email\n    delay: {i % 50}m\n    template: {t}\n")
    return tpl, r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--rules", type=int, default=10000)
    ap.add_argument("--files", type=int, default=100)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    with open(os.path.join(a.dir, "herald.yaml"), "w", encoding="utf-8") as f:
        f.write(HEADER + location_block())
    per_file = (a.rules + a.files - 1) // a.files
    for n in range(a.files):
        lo, hi = n * per_file, min(a.rules, (n + 1) * per_file)
        if lo >= hi:
            break
        templates, rules = [], []
        for i in range(lo, hi):
            t, r = rule(i)
            templates.append(t)
            rules.append(r)
        with open(os.path.join(a.dir, f"rules-{n:03}.yaml"), "w", encoding="utf-8") as f:
            f.write("templates:\n" + "".join(templates) + "rules:\n" + "".join(rules))


if __name__ == "__main__":
    main()
