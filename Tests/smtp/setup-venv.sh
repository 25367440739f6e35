#!/usr/bin/env bash
# Makes .venv-smtp (a Python venv with aiosmtpd from PyPI) for the SMTP
# transport tests, unless it already works. Idempotent and bounded in time.
# The tests find it by themselves (or through HERALD_SMTP_TEST_PYTHON).
# Outside CI a failure only warns: the SMTP tests then say they are skipped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
venv=.venv-smtp
if "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then exit 0; fi
echo "making $venv with aiosmtpd" >&2
if rm -rf "$venv" && timeout 300 python3 -m venv "$venv" \
  && timeout 300 "$venv/bin/pip" install -q --disable-pip-version-check 'aiosmtpd>=1.4,<2'; then
  exit 0
fi
rm -rf "$venv"
if [ "${CI:-}" = "true" ]; then
  echo "cannot make $venv: the SMTP transport tests need Python with aiosmtpd" >&2
  exit 1
fi
echo "warning: cannot make $venv; the SMTP transport tests will be skipped" >&2
