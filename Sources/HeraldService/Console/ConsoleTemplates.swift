import Mustache

/// The console's pages as Mustache templates. Every value is written with
/// `{{name}}`, which HTML-escapes it; no template uses `{{{…}}}` or `{{&…}}`
/// (a test checks), so a client named `<script>` shows as text. Pages
/// extend `layout` through template inheritance (`{{<layout}}…{{/layout}}`).
enum ConsoleTemplates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in sources {
            // The templates are constants of this file: a parse error is a programming error.
            // swift-format-ignore: NeverUseForceTry
            try! library.register(text, named: name)
        }
        return library
    }()

    static let sources: [(String, String)] = [
        ("layout", layout), ("sign-in", signIn), ("deliveries", deliveries), ("delivery", delivery),
        ("timeline", timeline), ("rejects", rejects), ("rules", rules), ("try", tryEvent), ("error", error),
        ("chart", chart), ("badge", badge), ("record", record),
    ]

    static let layout = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Herald</title>
        <link rel="stylesheet" href="/console.css">
        </head>
        <body>
        <header class="top">
        <a class="brand" href="/">Herald</a>
        {{#session}}
        <nav>
        <a href="/"{{#nav.deliveries}} aria-current="page"{{/nav.deliveries}}>Deliveries</a>
        <a href="/rejects"{{#nav.rejects}} aria-current="page"{{/nav.rejects}}>Rejected events</a>
        <a href="/rules"{{#nav.rules}} aria-current="page"{{/nav.rules}}>Rules</a>
        <a href="/try"{{#nav.try}} aria-current="page"{{/nav.try}}>Try an event</a>
        </nav>
        <form class="find" method="get" action="/find">
        <select name="kind" aria-label="kind"><option value="work-orders">Work order</option><option value="leads">Lead</option><option value="csrs">Service request</option></select>
        <input name="id" placeholder="id, e.g. WO-2001" aria-label="id" required>
        <button type="submit">Timeline</button>
        </form>
        <form class="sign-out" method="post" action="/sign-out"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="link">Sign out</button></form>
        {{/session}}
        </header>
        <main>
        {{$body}}{{/body}}
        </main>
        <footer>Herald console · rules {{rulesHash}}</footer>
        </body>
        </html>

        """

    static let badge = """
        <span class="badge s-{{status}}">{{status}}</span>
        """

    static let signIn = """
        {{<layout}}{{$body}}
        <section class="sign-in">
        <h1>Sign in</h1>
        <p>Enter the API token of this Herald service (the value of its <code>HERALD_TOKEN</code> variable, or the token <code>herald serve</code> printed at start).</p>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form method="post" action="/sign-in">
        <input type="hidden" name="next" value="{{next}}">
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
        <button type="submit">Sign in</button>
        </form>
        </section>
        {{/body}}{{/layout}}
        """

    static let chart = """
        <figure class="chart">
        <svg viewBox="0 0 {{width}} {{height}}" width="{{width}}" height="{{height}}" role="img" aria-label="Deliveries per hour by status, last 48 hours">
        <line x1="{{left}}" y1="{{baseline}}" x2="{{right}}" y2="{{baseline}}" stroke="#c5cad3"/>
        <text x="{{labelX}}" y="{{topLabelY}}" class="axis" text-anchor="end">{{max}}</text>
        <text x="{{labelX}}" y="{{baseline}}" class="axis" text-anchor="end">0</text>
        {{#bars}}{{#segments}}<rect x="{{x}}" y="{{y}}" width="{{w}}" height="{{h}}" class="s-{{status}}"><title>{{title}}</title></rect>{{/segments}}{{/bars}}
        {{#ticks}}<text x="{{x}}" y="{{y}}" class="axis" text-anchor="middle">{{text}}</text>{{/ticks}}
        </svg>
        <figcaption>Deliveries created per hour, by their status now, over the last 48 hours (UTC). {{total}} in all.
        <span class="legend">{{#legend}}<span class="key"><svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" class="s-{{.}}"/></svg> {{.}}</span>{{/legend}}</span></figcaption>
        </figure>
        """

    static let deliveries = """
        {{<layout}}{{$body}}
        <h1>Deliveries</h1>
        <ul class="counts">
        {{#counts}}<li><a href="{{href}}"{{#current}} aria-current="true"{{/current}}>{{>badge}} <strong>{{count}}</strong></a></li>{{/counts}}
        <li><a href="{{allStatusesHref}}">all <strong>{{total}}</strong></a></li>
        </ul>
        {{#chart}}{{>chart}}{{/chart}}
        <form class="filters" method="get" action="/">
        <label>Status <select name="status"><option value="">any</option>{{#statusOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/statusOptions}}</select></label>
        <label>Channel <select name="channel"><option value="">any</option>{{#channelOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/channelOptions}}</select></label>
        <label>Rule <select name="rule"><option value="">any</option>{{#ruleOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/ruleOptions}}</select></label>
        <label>Location <select name="location"><option value="">any</option>{{#locationOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/locationOptions}}</select></label>
        <label>Work order <input name="work_order" value="{{filters.work_order}}" size="10"></label>
        <label>Client <input name="client" value="{{filters.client}}" size="10"></label>
        <label>From <input type="date" name="since" value="{{filters.since}}"></label>
        <label>To <input type="date" name="until" value="{{filters.until}}"></label>
        <button type="submit">Filter</button> <a href="/">Clear</a>
        </form>
        {{#problem}}<p class="error" role="alert">{{problem}}</p>{{/problem}}
        <table class="log">
        <thead><tr><th>Created (UTC)</th><th>Status</th><th>Channel</th><th>To</th><th>Message</th><th>Rule</th><th>For</th><th>Client</th><th>Send at</th></tr></thead>
        <tbody>
        {{#rows}}<tr>
        <td class="t"><a href="/deliveries/{{path}}">{{created}}</a></td>
        <td>{{>badge}}{{#reasonText}}<div class="why">{{reasonText}}</div>{{/reasonText}}</td>
        <td>{{channel}}</td><td>{{to}}</td>
        <td class="msg"><a href="/deliveries/{{path}}">{{summary}}</a></td>
        <td>{{rule}}</td>
        <td>{{#entity}}<a href="{{href}}">{{label}}</a>{{/entity}}</td>
        <td>{{client}}</td><td class="t">{{sendAt}}</td>
        </tr>{{/rows}}
        {{^rows}}<tr><td colspan="9" class="empty">No deliveries match.</td></tr>{{/rows}}
        </tbody>
        </table>
        <p class="pager">{{#newestHref}}<a href="{{newestHref}}">« Newest</a>{{/newestHref}} {{#nextHref}}<a href="{{nextHref}}" rel="next">Older »</a>{{/nextHref}}</p>
        {{/body}}{{/layout}}
        """

    static let delivery = """
        {{<layout}}{{$body}}
        <p class="crumbs"><a href="/">Deliveries</a> › {{id}}</p>
        <h1>{{title}} {{>badge}}</h1>
        {{#reasonText}}<p class="why">{{reasonText}}</p>{{/reasonText}}
        {{#resent}}<p class="notice" role="status">A new delivery was scheduled: <a href="/deliveries/{{resent}}">{{resent}}</a>.</p>{{/resent}}
        <div class="columns">
        <section class="message">
        <h2>The message as the client sees it</h2>
        {{#email}}
        <dl class="headers">
        <dt>To</dt><dd>{{to}}</dd>
        {{#replyTo}}<dt>Reply-To</dt><dd>{{replyTo}}</dd>{{/replyTo}}
        <dt>Subject</dt><dd class="subject">{{subject}}</dd>
        </dl>
        <h3>Text</h3>
        <pre class="body">{{body}}</pre>
        {{#hasHTML}}<h3>HTML</h3>
        <iframe class="html-part" sandbox src="/deliveries/{{path}}/html" title="HTML part of the message"></iframe>{{/hasHTML}}
        {{#hasAttachments}}<h3>Attachments</h3>{{/hasAttachments}}
        <ul class="attachments">{{#attachments}}<li>{{filename}} ({{contentType}}) — {{#link}}<a href="{{url}}" rel="noopener noreferrer">{{url}}</a>{{/link}}{{^link}}{{url}}{{/link}}</li>{{/attachments}}</ul>
        {{/email}}
        {{#sms}}
        <p class="sms-to">SMS to {{to}} · {{segments}} segment(s)</p>
        <div class="sms"><p class="bubble">{{body}}</p></div>
        {{/sms}}
        </section>
        <section class="facts">
        <h2>Details</h2>
        <dl>
        <dt>Rule</dt><dd><a href="/rules#rule-{{rule}}">{{rule}}</a></dd>
        <dt>Event</dt><dd>{{event}}</dd>
        <dt>Key</dt><dd><code>{{key}}</code></dd>
        {{#entity}}<dt>{{kind}}</dt><dd><a href="{{href}}">{{label}}</a></dd>{{/entity}}
        {{#client}}<dt>Client</dt><dd><a href="/?client={{clientQuery}}">{{client}}</a></dd>{{/client}}
        {{#location}}<dt>Location</dt><dd>{{location}}</dd>{{/location}}
        <dt>Send at</dt><dd>{{sendAt}}{{#late}} (late reminder){{/late}}</dd>
        <dt>Created</dt><dd>{{created}}</dd>
        <dt>Updated</dt><dd>{{updated}}</dd>
        {{#sentAt}}<dt>Sent</dt><dd>{{sentAt}}</dd>{{/sentAt}}
        {{#nextAttemptAt}}<dt>Next attempt</dt><dd>{{nextAttemptAt}}</dd>{{/nextAttemptAt}}
        {{#providerID}}<dt>Provider id</dt><dd><code>{{providerID}}</code></dd>{{/providerID}}
        {{#resendOf}}<dt>Re-sends</dt><dd><a href="/deliveries/{{resendOfPath}}">{{resendOf}}</a></dd>{{/resendOf}}
        </dl>
        {{#resendable}}
        <form method="post" action="/deliveries/{{path}}/resend">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit">Resend</button> <span class="hint">schedules a new delivery of the same message now</span>
        </form>
        {{/resendable}}
        </section>
        </div>
        <h2>Attempts</h2>
        <table class="log">
        <thead><tr><th>#</th><th>Started (UTC)</th><th>Finished (UTC)</th><th>Outcome</th><th>Provider's answer</th></tr></thead>
        <tbody>
        {{#attempts}}<tr><td>{{number}}</td><td>{{startedAt}}</td><td>{{finishedAt}}</td><td><span class="badge o-{{outcome}}">{{outcome}}</span></td><td class="detail">{{detail}}</td></tr>{{/attempts}}
        {{^attempts}}<tr><td colspan="5" class="empty">No attempt yet.</td></tr>{{/attempts}}
        </tbody>
        </table>
        {{/body}}{{/layout}}
        """

    static let record = """
        <span class="badge d-{{decision}}">{{decision}}</span>
        {{#rule}}<a href="/rules#rule-{{rule}}" class="rule">{{rule}}</a>{{/rule}}
        {{#channel}}<span class="channel">{{channel}}</span>{{/channel}}
        {{#sentence}}<span class="sentence">{{sentence}}</span>{{/sentence}}
        {{#sendLine}}<span class="sentence">{{sendLine}}</span>{{/sendLine}}
        {{#delivery}} · <a href="/deliveries/{{deliveryPath}}">delivery {{delivery}}</a>{{/delivery}}
        {{#message}}<div class="detail">{{message}}</div>{{/message}}
        {{#preview}}<div class="preview">{{preview}}</div>{{/preview}}
        """

    static let timeline = """
        {{<layout}}{{$body}}
        <p class="crumbs"><a href="/">Deliveries</a> › {{kindLabel}}</p>
        <h1>{{kindLabel}} {{id}}</h1>
        <p><a href="{{deliveriesHref}}">Its deliveries in the log</a></p>
        <ol class="feed">
        {{#items}}<li class="k-{{kind}}">
        <time>{{at}}</time>
        <div>
        {{#event}}<span class="badge k-event">event</span> <strong>{{type}}</strong> <code>{{id}}</code>{{#change}} · {{change}}{{/change}}<div class="detail">occurred at {{occurredAt}}</div>{{/event}}
        {{#decision}}{{>record}}{{/decision}}
        {{#attempt}}<span class="badge o-{{outcome}}">attempt {{number}}</span> {{channel}} delivery <a href="/deliveries/{{deliveryPath}}">{{delivery}}</a>{{#resendOf}} (a re-send of <a href="/deliveries/{{resendOfPath}}">{{resendOf}}</a>){{/resendOf}}: {{outcome}}{{#detail}}<div class="detail">{{detail}}</div>{{/detail}}{{/attempt}}
        {{#final}}{{>badge}} {{channel}} delivery <a href="/deliveries/{{deliveryPath}}">{{delivery}}</a>{{#resendOf}} (a re-send of <a href="/deliveries/{{resendOfPath}}">{{resendOf}}</a>){{/resendOf}}{{#reasonText}} — {{reasonText}}{{/reasonText}}{{/final}}
        </div>
        </li>{{/items}}
        {{^items}}<li class="empty">Nothing is known of this {{kindWord}}.</li>{{/items}}
        </ol>
        {{/body}}{{/layout}}
        """

    static let rejects = """
        {{<layout}}{{$body}}
        <h1>Rejected events</h1>
        <p>Events Herald could not evaluate, kept with their raw text (SPEC §12.5). Fix them and post them again.</p>
        <table class="log rejects">
        <thead><tr><th>Received (UTC)</th><th>Reason</th><th>Event</th><th>Line</th><th>Message</th><th>Raw text</th></tr></thead>
        <tbody>
        {{#rows}}<tr><td>{{receivedAt}}</td><td><span class="badge d-reject">{{reason}}</span><div class="why">{{sentence}}</div></td><td>{{event}}</td><td>{{line}}</td><td class="detail">{{message}}</td><td><pre class="raw">{{raw}}</pre></td></tr>{{/rows}}
        {{^rows}}<tr><td colspan="6" class="empty">No rejected events.</td></tr>{{/rows}}
        </tbody>
        </table>
        <p class="pager">{{#newestHref}}<a href="{{newestHref}}">« Newest</a>{{/newestHref}} {{#nextHref}}<a href="{{nextHref}}" rel="next">Older »</a>{{/nextHref}}</p>
        {{/body}}{{/layout}}
        """

    static let rules = """
        {{<layout}}{{$body}}
        <h1>Rules</h1>
        <p>{{ruleCount}} rules loaded from <code>{{rulesPath}}</code>{{^hasSources}} (a compiled bundle: no file positions){{/hasSources}}. Each location below lists the notifications and reminders that can fire for it, each region the rules that name it; under each rule id, its file (below that folder) and line.</p>
        <nav class="places">{{#places}}<a href="#{{anchor}}">{{kind}} {{name}}</a> {{/places}}</nav>
        {{#places}}
        <section class="place" id="{{anchor}}">
        <h2>{{kind}} {{name}} <code>{{id}}</code></h2>
        <p class="facts">{{#zone}}zone {{zone}} · {{/zone}}{{#calendar}}calendar {{calendar}} · {{/calendar}}notifications {{#on}}on{{/on}}{{^on}}<strong class="off">off</strong>{{/on}}{{#replyTo}} · replies to {{replyTo}}{{/replyTo}}</p>
        <table class="log rules">
        <thead><tr><th>Rule</th><th>When</th><th>Filters</th><th>Channels</th><th>Delay</th><th>Working hours</th><th>Template</th><th>Active</th></tr></thead>
        <tbody>
        {{#rules}}<tr{{^active}} class="inactive"{{/active}}>
        <td><a href="#rule-{{id}}">{{id}}</a>{{#source}}<div class="src">{{source}}</div>{{/source}}</td>
        <td>{{when}}</td>
        <td>{{#filters}}<div>{{.}}</div>{{/filters}}{{^filters}}—{{/filters}}</td>
        <td>{{channels}}{{#fallback}}<div class="detail">fallback {{fallback}}</div>{{/fallback}}</td>
        <td>{{delay}}</td><td>{{workHours}}</td><td>{{template}}</td>
        <td>{{#active}}yes{{/active}}{{^active}}<strong class="off">no</strong>{{/active}}</td>
        </tr>{{/rules}}
        {{^rules}}<tr><td colspan="8" class="empty">No rule fires here.</td></tr>{{/rules}}
        </tbody>
        </table>
        </section>
        {{/places}}
        <section>
        <h2>All rules, in declaration order</h2>
        <table class="log rules">
        <thead><tr><th>Rule</th><th>Source</th><th>When</th><th>Locations</th><th>Regions</th><th>Template</th></tr></thead>
        <tbody>
        {{#allRules}}<tr id="rule-{{id}}"{{^active}} class="inactive"{{/active}}><td>{{id}}</td><td class="src">{{source}}</td><td>{{when}}</td><td>{{locations}}</td><td>{{regions}}</td><td>{{template}}</td></tr>{{/allRules}}
        </tbody>
        </table>
        </section>
        {{/body}}{{/layout}}
        """

    static let tryEvent = """
        {{<layout}}{{$body}}
        <h1>Try an event</h1>
        <p>Paste one event (JSON). It is evaluated against the rules in force and the stored state of its work order, lead or service request, with explanations, and <strong>nothing is stored or sent</strong>.</p>
        <form method="post" action="/try" class="try">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <textarea name="event" rows="12" spellcheck="false" aria-label="event JSON" placeholder="{&quot;id&quot;: &quot;e-1&quot;, &quot;type&quot;: &quot;work_order.created&quot;, …}">{{event}}</textarea>
        <button type="submit">Evaluate</button>
        </form>
        {{#result}}
        <section class="result">
        <h2>Result</h2>
        {{#state}}<p class="facts">{{state}}</p>{{/state}}
        <ol class="feed records">
        {{#records}}<li class="d-{{decision}}"><div>{{>record}}</div></li>{{/records}}
        {{^records}}<li class="empty">No rule applies and nothing would be sent.</li>{{/records}}
        </ol>
        </section>
        {{/result}}
        {{/body}}{{/layout}}
        """

    static let error = """
        {{<layout}}{{$body}}
        <h1>{{title}}</h1>
        <p>{{message}}</p>
        <p><a href="/">Back to the deliveries</a></p>
        {{/body}}{{/layout}}
        """

    /// The console's style sheet, served from `/console.css` (the pages'
    /// Content-Security-Policy allows no inline style).
    static let css = """
        :root { --fg: #1d2430; --muted: #5b6575; --line: #e2e6ec; --bg: #f6f7f9; --accent: #2457c5; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
        a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
        header.top { display: flex; flex-wrap: wrap; gap: 16px; align-items: center; padding: 10px 24px; background: #1d2430; color: #fff; }
        header.top a { color: #dfe6f3; } .brand { font-weight: 700; font-size: 17px; color: #fff !important; margin-right: 8px; }
        header nav { display: flex; gap: 14px; } header nav a[aria-current] { color: #fff; border-bottom: 2px solid #7fa6ff; }
        form.find { display: flex; gap: 4px; margin-left: auto; } form.find input { width: 150px; }
        form.sign-out { margin: 0; } button.link { background: none; border: 0; color: #dfe6f3; padding: 0; cursor: pointer; font: inherit; }
        main { padding: 18px 24px 32px; max-width: 1400px; }
        footer { padding: 8px 24px 24px; color: var(--muted); font-size: 12px; }
        h1 { font-size: 22px; margin: 4px 0 14px; } h2 { font-size: 17px; margin: 22px 0 8px; } h3 { font-size: 14px; margin: 14px 0 6px; }
        input, select, textarea, button { font: inherit; } input, select, textarea { border: 1px solid #c5cad3; border-radius: 4px; padding: 4px 6px; background: #fff; }
        button { border: 1px solid #2457c5; background: #2457c5; color: #fff; border-radius: 4px; padding: 4px 12px; cursor: pointer; }
        table.log { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
        table.log th { text-align: left; font-weight: 600; background: #eef1f5; color: #39424f; padding: 6px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
        table.log td { padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        table.log tbody tr:hover { background: #f8fafd; } td.empty, li.empty { color: var(--muted); text-align: center; padding: 18px; }
        td.msg { max-width: 340px; } td.t { white-space: nowrap; } td .why { max-width: 260px; } td.msg a { color: var(--fg); } .why, .detail, .src, .hint { color: var(--muted); font-size: 12px; }
        .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: #e7eaf0; color: #39424f; white-space: nowrap; }
        .s-scheduled { background: #e3ecfb; color: #1f4fa8; fill: #7fa6ff; } .s-sending { background: #fff4d6; color: #8a6100; fill: #f2c14e; }
        .s-sent { background: #dff3e4; color: #1e6b34; fill: #3fa35b; } .s-retrying { background: #ffe9d6; color: #9a4a00; fill: #f08c2e; }
        .s-failed { background: #fde2e1; color: #a61b17; fill: #d64541; } .s-cancelled { background: #eceef1; color: #5b6575; fill: #a9b1bd; }
        .d-send { background: #dff3e4; color: #1e6b34; } .d-skip { background: #fff4d6; color: #8a6100; } .d-cancel { background: #eceef1; color: #5b6575; }
        .d-reject { background: #fde2e1; color: #a61b17; } .d-none { background: #f1f2f4; color: #7a8392; } .k-event { background: #e3ecfb; color: #1f4fa8; }
        .o-sent { background: #dff3e4; color: #1e6b34; } .o-transient, .o-interrupted { background: #ffe9d6; color: #9a4a00; } .o-permanent { background: #fde2e1; color: #a61b17; } .o-started { background: #fff4d6; color: #8a6100; }
        ul.counts { list-style: none; display: flex; flex-wrap: wrap; gap: 8px; padding: 0; margin: 0 0 12px; }
        ul.counts a { display: inline-flex; gap: 6px; align-items: center; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 4px 10px; color: var(--fg); }
        ul.counts a[aria-current] { border-color: var(--accent); }
        figure.chart { margin: 0 0 14px; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px 6px; }
        figure.chart > svg { width: 100%; height: auto; } figure.chart .axis { font-size: 10px; fill: var(--muted); }
        figcaption { color: var(--muted); font-size: 12px; } .legend { margin-left: 10px; } .key { margin-right: 10px; white-space: nowrap; }
        form.filters { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: end; margin: 0 0 12px; padding: 10px 12px; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
        form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 2px; }
        .pager { display: flex; gap: 16px; } .crumbs { color: var(--muted); margin: 0; }
        .columns { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 20px; }
        section.message, section.facts, section.sign-in, section.place, section.result { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 4px 16px 14px; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 0 0 10px; } dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; }
        dd.subject { font-weight: 600; }
        pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
        pre.body { background: #fafbfc; border: 1px solid var(--line); border-radius: 4px; padding: 10px; }
        pre.raw { max-width: 460px; max-height: 120px; overflow: auto; font-size: 12px; }
        iframe.html-part { width: 100%; height: 260px; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
        .sms { background: #eef1f5; border-radius: 8px; padding: 14px; } .bubble { background: #fff; border-radius: 14px 14px 14px 4px; padding: 8px 12px; margin: 0; max-width: 340px; white-space: pre-wrap; box-shadow: 0 1px 1px rgba(0,0,0,.08); }
        ol.feed { list-style: none; padding: 0; margin: 0; border-left: 2px solid var(--line); }
        ol.feed li { display: grid; grid-template-columns: 190px 1fr; gap: 12px; padding: 6px 0 6px 14px; position: relative; }
        ol.feed li::before { content: ""; position: absolute; left: -6px; top: 12px; width: 10px; height: 10px; border-radius: 5px; background: #c5cad3; }
        ol.feed li.k-event::before { background: #7fa6ff; } ol.feed time { color: var(--muted); font-size: 12px; padding-top: 2px; }
        ol.feed.records li { grid-template-columns: 1fr; } .sentence { margin-left: 4px; } .rule { font-family: ui-monospace, Menlo, monospace; font-size: 12px; margin-left: 4px; }
        .channel { margin-left: 4px; font-size: 12px; color: var(--muted); } .preview { margin-top: 2px; padding: 4px 8px; background: #fafbfc; border-left: 3px solid var(--line); white-space: pre-wrap; font-size: 13px; }
        .error { color: #a61b17; background: #fde2e1; padding: 6px 10px; border-radius: 4px; } .notice { background: #dff3e4; padding: 6px 10px; border-radius: 4px; }
        section.sign-in { max-width: 440px; margin: 40px auto; } section.sign-in form { display: flex; flex-direction: column; gap: 8px; } section.sign-in input { padding: 6px 8px; }
        tr.inactive td { color: var(--muted); } .off { color: #a61b17; } .places { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 8px; }
        section.place { margin-top: 14px; } .facts { color: var(--muted); }
        form.try textarea { width: 100%; font: 13px/1.4 ui-monospace, Menlo, Consolas, monospace; } form.try button { margin-top: 6px; }
        code { font-size: 12px; background: #f1f3f6; padding: 0 4px; border-radius: 3px; }
        @media (max-width: 900px) { .columns { grid-template-columns: 1fr; } form.find { margin-left: 0; } }

        """
}
