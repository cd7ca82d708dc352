# tsurud-rs: `make run` serves the API on the in-memory store, `make test` runs every test
# (starting FerretDB for the MongoDB ones).
CARGO ?= cargo
ADMIN_EMAIL ?= admin@example.com
ADMIN_PASSWORD ?= admin123
LISTEN ?= 127.0.0.1:8080

.PHONY: run test setup lint fmt ci fuzz

run:
	TSURU_ADMIN_EMAIL=$(ADMIN_EMAIL) TSURU_ADMIN_PASSWORD=$(ADMIN_PASSWORD) TSURU_LISTEN=$(LISTEN) \
		$(CARGO) run --quiet -p tsuru-api --bin tsurud -- api --dev

setup:
	bash scripts/setup.sh

# Every test, with FerretDB (scripts/ferretdb.sh) serving the MongoDB ones: the unit and
# contract tests, the binary tests, then the API and hostile-client tests a second time with
# MongoDB as the store.
test: setup
	bash scripts/ferretdb.sh exec sh -c '$(CARGO) test --workspace --all-features && \
		TSURU_TEST_STORAGE=mongodb $(CARGO) test -p tsuru-api --all-features --test api --test hostile'
	$(MAKE) fuzz

# Schemathesis against a running tsurud (our /openapi.json and tsuru's own Swagger file), seeded.
fuzz:
	bash scripts/fuzz.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --all-features -- -D warnings
	bash scripts/check-domain-deps.sh

fmt:
	$(CARGO) fmt --all

ci: lint test
