import ArgumentParser
import Foundation
import HeraldModel
import HeraldSyntax

/// `herald init [DIR]`: writes a small rule set to start from (README.md "Command line"):
/// the status lists, one location with a working-hours calendar, a status
/// change, a delayed follow-up with `cancel_if` and a reminder with their
/// templates, and a `*.test.yaml` for them. It lints clean and its tests pass.
struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a small rule set to start from.",
        discussion: """
            Writes herald.yaml, rules.yaml and rules.test.yaml into DIR (default Rules), which must \
            not exist or be empty. Then: 'herald lint DIR' and 'herald test DIR'. \
            Exit status: 0 written; 1 DIR is not empty or cannot be written; 2 usage error.
            """
    )

    @Argument(help: ArgumentHelp("Directory to write the rule set into (created when absent).", valueName: "dir"))
    var directory: String = "Rules"

    /// Checks the arguments once parsing is done, so ArgumentParser reports
    /// an unknown option before any of these (a usage error either way).
    func checkArguments() throws {
        if directory.isEmpty { throw ValidationError("empty directory path") }
    }

    func run() async throws {
        try checkArguments()
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                StandardStreams.printError("herald: error: '\(directory)' exists and is not a directory")
                throw ExitCode(ExitStatus.findings)
            }
            let entries = (try? manager.contentsOfDirectory(atPath: directory)) ?? []
            guard entries.isEmpty else {
                StandardStreams.printError(
                    "herald: error: '\(directory)' is not empty; give an empty or new directory (herald init DIR)")
                throw ExitCode(ExitStatus.findings)
            }
        }
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for (name, text) in StarterRuleSet.files {
                let path = (directory as NSString).appendingPathComponent(name)
                try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .withoutOverwriting)
            }
        } catch {
            StandardStreams.printError("herald: error: cannot write to '\(directory)': \(ErrorText.describe(error))")
            throw ExitCode(ExitStatus.findings)
        }
        print("wrote \(StarterRuleSet.files.map(\.name).joined(separator: ", ")) to \(directory)/")
        print("next: herald lint \(directory) && herald test \(directory)")
    }
}

/// The files `herald init` writes, in order.
enum StarterRuleSet {
    /// File name and contents.
    static let files: [(name: String, text: String)] = [
        ("herald.yaml", heraldYAML),
        ("rules.yaml", rulesYAML),
        ("rules.test.yaml", testsYAML),
    ]

    static let heraldYAML = #"""
        # The rule set `herald init` wrote: statuses, one shop with its opening
        # hours, three rules and their templates. Check it with `herald lint`,
        # run its tests with `herald test`, and change it to fit your business.
        herald: 1

        statuses:
          work_order: [open, in_repair, ready_for_pickup, delivered, cancelled]

        calendars:
          shop-hours:
            timezone: America/New_York
            hours:
              mon-fri: "09:00-18:00"
              sat: "10:00-14:00"
            closed: [01-01, 12-25]              # MM-DD: every year; YYYY-MM-DD: one day

        locations:
          main:
            name: Main Street
            calendar: shop-hours                # gives the time zone too
            reply_to: shop@example.com
        """#

    static let rulesYAML = #"""
        # Which client gets which message, on which channel, and when.

        templates:
          ready:
            sms: "Hi {{client.first_name | default: client.name}}, work order {{work_order.number}} is ready for pickup."
            email:
              subject: "Work order {{work_order.number}} is ready"
              body: |
                Hello {{client.name}},

                your work order {{work_order.number}} is ready for pickup at {{location.name}}.
          feedback:
            sms: "How did we do on work order {{work_order.number}}? Reply 1 to 5."
          visit-reminder:
            sms: "Reminder: our technician visits you on {{work_order.scheduled_for | date: \"MM/dd 'at' HH:mm\"}} (work order {{work_order.number}})."

        rules:
          - id: wo-ready                        # a status change
            on: work_order.status_changed
            to: ready_for_pickup
            channel: sms
            fallback: email                     # when the client cannot get an SMS
            work_hours: defer                   # ready at night: sent when the shop opens
            template: ready

          - id: wo-feedback                     # a delayed follow-up
            on: work_order.closed
            delay: 1d
            cancel_if: work_order.status == "cancelled"   # the work order was cancelled meanwhile
            channel: sms
            work_hours: defer
            template: feedback

          - id: visit-reminder                  # a reminder
            remind: work_order.scheduled_for
            before: 1d
            channel: sms
            template: visit-reminder
        """#

    static let testsYAML = #"""
        # Tests of rules.yaml: events in, the decisions expected out. Run them with `herald test`.

        tests:
          - name: ready during opening hours — SMS at once
            events:
              - id: e1
                type: work_order.status_changed
                occurred_at: "2026-04-07T10:00:00-04:00"      # a Tuesday morning
                location: main
                work_order: {id: WO-1, number: "1001", status: ready_for_pickup, previous_status: in_repair}
                client: {id: C-1, name: Maria Souza, first_name: Maria, phone: "+15555550100", accepts_sms: true}
            expect:
              - {rule: wo-ready, decision: send, channel: sms, send_at: "2026-04-07T10:00:00-04:00",
                 body: "Hi Maria, work order 1001 is ready for pickup."}

          - name: ready at night — deferred to the next opening; no SMS consent — email instead
            events:
              - id: e1
                type: work_order.status_changed
                occurred_at: "2026-04-07T21:00:00-04:00"
                location: main
                work_order: {id: WO-2, number: "1002", status: ready_for_pickup, previous_status: in_repair}
                client: {id: C-2, name: John Doe, email: john@example.com, accepts_email: true}
            expect:
              - {rule: wo-ready, decision: skip, channel: sms, reason: no-address}
              - {rule: wo-ready, decision: send, channel: email, send_at: "2026-04-08T09:00:00-04:00",
                 subject: "Work order 1002 is ready"}

          - name: closed — feedback the next day, cancelled if the work order is cancelled first
            events:
              - id: e1
                type: work_order.closed
                occurred_at: "2026-04-07T15:00:00-04:00"
                location: main
                work_order: {id: WO-3, number: "1003", status: delivered}
                client: {id: C-3, name: Ana Lima, phone: "+15555550103", accepts_sms: true}
              - id: e2
                type: work_order.status_changed
                occurred_at: "2026-04-07T16:00:00-04:00"
                location: main
                work_order: {id: WO-3, number: "1003", status: cancelled, previous_status: delivered}
                client: {id: C-3, name: Ana Lima, phone: "+15555550103", accepts_sms: true}
            expect:
              - {event: e1, rule: wo-feedback, decision: send, channel: sms, send_at: "2026-04-08T15:00:00-04:00"}
              - {event: e2, rule: wo-feedback, decision: cancel, channel: sms, reason: cancel-if, key: wo-feedback/e1/sms}

          - name: visit scheduled — reminder the day before
            events:
              - id: e1
                type: work_order.schedule_changed
                occurred_at: "2026-04-06T10:00:00-04:00"
                location: main
                work_order: {id: WO-4, number: "1004", status: open, scheduled_for: "2026-04-09T14:00:00-04:00"}
                client: {id: C-4, name: Paul Smith, phone: "+15555550104", accepts_sms: true}
            expect:
              - {rule: visit-reminder, decision: send, channel: sms, send_at: "2026-04-08T14:00:00-04:00",
                 body: "Reminder: our technician visits you on 04/09 at 14:00 (work order 1004)."}
        """#
}
