#!/usr/bin/env bash
# Installs what the tests need and is not a Cargo dependency. Safe to run again: it installs
# only what is missing. Every install the tests rely on lives here, so a fresh machine passes.
set -euo pipefail
cd "$(dirname "$0")/.."

# An SMTP server for the password-reset mail tests.
if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
    echo "setup: installing aiosmtpd (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check aiosmtpd
fi

# schemathesis, which fuzzes the API from its OpenAPI document (scripts/fuzz.sh).
SCHEMATHESIS_VERSION=4.32.5
if ! command -v st >/dev/null || [ "$(st --version 2>/dev/null | awk '{print $NF}')" != "$SCHEMATHESIS_VERSION" ]; then
    echo "setup: installing schemathesis $SCHEMATHESIS_VERSION (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# The official tsuru client, unmodified, for the CLI suite (tests/cli). Its tags carry no `v`,
# so Go resolves `@1.34.0` as a revision. When the module cannot be fetched, the reason is kept
# in .tools/tsuru-client.unavailable and the CLI suite reports it.
TSURU_CLIENT=github.com/tsuru/tsuru-client/tsuru@1.34.0
mkdir -p .tools
if command -v go >/dev/null; then
    GOBIN_DIR=$(go env GOPATH)/bin
    if command -v tsuru >/dev/null || [ -x "$GOBIN_DIR/tsuru" ]; then
        rm -f .tools/tsuru-client.unavailable
    else
        echo "setup: installing the tsuru client ($TSURU_CLIENT)"
        if go install "$TSURU_CLIENT" 2>.tools/go-install.log; then
            rm -f .tools/tsuru-client.unavailable
        else
            {
                echo "go install $TSURU_CLIENT failed:"
                cat .tools/go-install.log
            } >.tools/tsuru-client.unavailable
            echo "setup: WARNING: could not install the tsuru client; the CLI suite cannot run:" >&2
            sed 's/^/setup:   /' .tools/go-install.log >&2
        fi
    fi
else
    echo "go is not installed" >.tools/tsuru-client.unavailable
    echo "setup: WARNING: go is not installed; the CLI suite cannot run" >&2
fi
