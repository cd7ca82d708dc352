# tsurud-rs: `make run` serves the API on the in-memory store, `make test` runs every test
# (starting FerretDB for the MongoDB ones and a Kubernetes control plane for the Kubernetes ones).
CARGO ?= cargo
ADMIN_EMAIL ?= admin@example.com
ADMIN_PASSWORD ?= admin123
LISTEN ?= 127.0.0.1:8080

.PHONY: run test setup lint fmt ci fuzz kube bench

run:
	TSURU_ADMIN_EMAIL=$(ADMIN_EMAIL) TSURU_ADMIN_PASSWORD=$(ADMIN_PASSWORD) TSURU_LISTEN=$(LISTEN) \
		$(CARGO) run --quiet -p tsuru-api --bin tsurud -- api --dev

setup:
	bash scripts/setup.sh

# Every test, with FerretDB (scripts/ferretdb.sh) serving the MongoDB ones and a Kubernetes
# control plane with fake nodes (scripts/kube.sh) up for the Kubernetes ones: the unit and
# contract tests, the binary tests and the CLI suite on the in-memory store, then the API tests
# and the CLI suite a second time with MongoDB as the store. The CLI suite drives the client
# scripts/setup.sh built; TSURU_CLI_REQUIRED turns a missing client into a failure, and
# TSURU_KUBE_REQUIRED a missing cluster.
test: setup
	TSURU_CLI_REQUIRED=1 TSURU_KUBE_REQUIRED=1 bash scripts/ferretdb.sh exec bash scripts/kube.sh exec sh -c '$(CARGO) test --workspace --all-features && \
		TSURU_TEST_STORAGE=mongodb $(CARGO) test -p tsuru-api --all-features --test api --test hostile && \
		TSURU_TEST_STORAGE=mongodb $(CARGO) test -p tsuru-cli-tests'
	$(MAKE) fuzz

# A Kubernetes control plane on loopback for manual use, in the foreground until Ctrl-C; it
# prints the kubeconfig to use (scripts/kube.sh; the binaries come from scripts/setup.sh).
kube:
	bash scripts/kube.sh run

# Schemathesis against a running tsurud (our /openapi.json and tsuru's own Swagger file), seeded
# (with a cluster: the control plane scripts/kube.sh starts).
fuzz:
	bash scripts/kube.sh exec bash scripts/fuzz.sh

# Release builds of tsurud and the bench driver, then one table: tsurud on the in-memory store
# and on FerretDB against a bare actix-web hello-world (docs/benchmarks.md).
bench:
	$(CARGO) build --release --quiet -p tsuru-api --bin tsurud -p tsurud-bench --bin tsurud-bench
	bash scripts/ferretdb.sh exec target/release/tsurud-bench --tsurud target/release/tsurud $(BENCH_ARGS)

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --all-features -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps --workspace --quiet
	bash scripts/check-domain-deps.sh

fmt:
	$(CARGO) fmt --all

ci: lint test
