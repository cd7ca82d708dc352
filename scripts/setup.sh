#!/usr/bin/env bash
# Installs what the tests need and is not a Cargo dependency. Safe to run again: it installs
# only what is missing. Every install the tests rely on lives here, so a fresh machine passes.
set -euo pipefail

# The webhook tests run a receiver script (python3, standard library only) and make
# self-signed certificates with openssl.
for tool in python3 openssl; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "setup: installing $tool (apt)"
        apt-get update -qq && apt-get install -y -qq "$tool"
    fi
done

# An SMTP server for the password-reset mail tests.
if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
    echo "setup: installing aiosmtpd (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check aiosmtpd
fi
