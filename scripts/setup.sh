#!/usr/bin/env bash
# Installs what the tests need and is not a Cargo dependency. Safe to run again: it installs
# only what is missing. Every install the tests rely on lives here, so a fresh machine passes.
set -euo pipefail

# An SMTP server for the password-reset mail tests.
if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
    echo "setup: installing aiosmtpd (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check aiosmtpd
fi
