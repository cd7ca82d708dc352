#!/usr/bin/env bash
# The domain crate must build without web framework, database driver or HTTP client.
set -euo pipefail
forbidden='^(actix|mongodb|bson|reqwest|kube)'
found=$(cargo tree -p tsuru-domain -e normal --prefix none --no-dedupe | awk '{print $1}' | grep -E "$forbidden" | sort -u || true)
if [ -n "$found" ]; then
    echo "tsuru-domain depends on forbidden crates:" >&2
    echo "$found" >&2
    exit 1
fi
echo "tsuru-domain dependencies: clean"
