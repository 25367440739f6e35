#!/usr/bin/env bash
# Runs the service tests (HeraldServiceTests), transports included, against a
# real SMTP server (aiosmtpd, Tests/smtp/smtp_server.py) and an HTTP gateway
# double, all on 127.0.0.1. Idempotent: installs the Debian packages that are
# missing (scripts/install-deps.sh: libcurl, openssl, python3-venv, …), makes
# .venv-smtp once (Tests/smtp/setup-venv.sh) and reuses it.
#
#   Tests/smtp/run-smtp-tests.sh [--scratch-path DIR] [extra swift test args]
#
# HERALD_SMTP_TEST_PYTHON (a Python that has aiosmtpd) skips the venv;
# TEST_TIMEOUT (seconds, default 1800) bounds the build and test run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export PATH="/opt/swift/usr/bin:$PATH"

scratch=()
if [ "${1:-}" = "--scratch-path" ]; then
  scratch=(--scratch-path "$2")
  shift 2
fi

bash scripts/install-deps.sh
if [ -z "${HERALD_SMTP_TEST_PYTHON:-}" ]; then
  CI=true bash Tests/smtp/setup-venv.sh
  export HERALD_SMTP_TEST_PYTHON="$PWD/.venv-smtp/bin/python"
fi
echo "==> swift test --filter HeraldServiceTests (SMTP server on $HERALD_SMTP_TEST_PYTHON)"
timeout "${TEST_TIMEOUT:-1800}" swift test "${scratch[@]}" --filter HeraldServiceTests "$@"
