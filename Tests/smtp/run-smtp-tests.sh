#!/usr/bin/env bash
# Runs Herald's transport tests (HeraldServiceTests) against a real SMTP
# server (aiosmtpd, Tests/smtp/smtp_server.py) and an HTTP gateway double, all
# on 127.0.0.1. Idempotent: installs libcurl and openssl when missing, makes
# the Python venv once (.venv-smtp, aiosmtpd from PyPI) and reuses it.
#
#   Tests/smtp/run-smtp-tests.sh [--scratch-path DIR] [extra swift test args]
#
# Environment: HERALD_SMTP_TEST_PYTHON (a Python that has aiosmtpd) skips the
# venv; TEST_TIMEOUT (seconds, default 1500) bounds the swift test run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export PATH="/opt/swift/usr/bin:$PATH"

scratch=()
if [ "${1:-}" = "--scratch-path" ]; then
  scratch=(--scratch-path "$2")
  shift 2
fi

step() { printf '\n==> %s\n' "$*"; }

missing=()
pkg-config --exists libcurl 2>/dev/null || missing+=(libcurl4-openssl-dev)
command -v openssl >/dev/null || missing+=(openssl)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  step "installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 $sudo apt-get update -qq
  timeout 600 $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" pkg-config
fi

if [ -z "${HERALD_SMTP_TEST_PYTHON:-}" ]; then
  venv=.venv-smtp
  if ! "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    step "making $venv with aiosmtpd"
    rm -rf "$venv"
    timeout 300 python3 -m venv "$venv"
    timeout 300 "$venv/bin/pip" install -q --disable-pip-version-check 'aiosmtpd>=1.4,<2'
  fi
  export HERALD_SMTP_TEST_PYTHON="$PWD/$venv/bin/python"
fi

step "swift test --filter HeraldServiceTests (SMTP python: $HERALD_SMTP_TEST_PYTHON)"
timeout "${TEST_TIMEOUT:-1500}" swift test "${scratch[@]}" --filter HeraldServiceTests "$@"
