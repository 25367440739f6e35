#!/usr/bin/env bash
# Installs the Debian packages Herald builds and tests with, when missing:
# libyaml-dev (YAML front end), libsqlite3-dev (the service's store),
# libcurl4-openssl-dev (the SMTP transport), pkg-config; openssl and
# python3-venv for the SMTP transport tests (Tests/smtp). Needs root (or
# sudo) for apt-get; does nothing when all are there.
set -euo pipefail
missing=()
command -v pkg-config >/dev/null || missing+=(pkg-config)
pkg-config --exists yaml-0.1 2>/dev/null || missing+=(libyaml-dev)
pkg-config --exists sqlite3 2>/dev/null || missing+=(libsqlite3-dev)
pkg-config --exists libcurl 2>/dev/null || missing+=(libcurl4-openssl-dev)
command -v python3 >/dev/null || missing+=(python3)
command -v curl >/dev/null || missing+=(curl)
command -v openssl >/dev/null || missing+=(openssl)
python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" pkg-config
