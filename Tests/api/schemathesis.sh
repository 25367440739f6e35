#!/usr/bin/env bash
# Fuzzes the HTTP API from its own OpenAPI document (issue 14): schemathesis
# (PyPI, in .venv-schemathesis) against a live `herald serve` on loopback.
# Bounded: a fixed number of examples per operation. Checks: no 5xx but the
# documented 503, every status code, content type, header and body matches
# the document, nothing is accepted without the token, undeclared methods
# are refused. Not checked: "schema-valid requests are accepted" and
# "invalid ones are refused", since SPEC §12.2 answers a broken event with a
# 200 reject record and an unknown cursor or out-of-range time with a 400.
#
#   Tests/api/schemathesis.sh HERALD [EXAMPLES]
set -euo pipefail
herald="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
examples="${2:-50}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$root/.venv-schemathesis"
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==4.32.5"
fi
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat > "$work/herald.yaml" <<YAML
listen: 127.0.0.1:$port
rules: $root/Tests/crash/rules
store: sqlite:$work/herald.sqlite
email: {from: "Acme <no-reply@acme.example>", transport: directory, directory: $work/outbox,
        report_url_prefixes: ["http://127.0.0.1:"]}
sms: {transport: directory, directory: $work/outbox}
YAML
HERALD_TOKEN=schemathesis-token "$herald" serve --config "$work/herald.yaml" > "$work/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
"$venv/bin/st" run "http://127.0.0.1:$port/openapi.json" -H "Authorization: Bearer schemathesis-token" \
  --max-examples "$examples" --request-timeout 10 --seed 1 \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,ignored_auth,unsupported_method
