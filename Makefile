# eci-virtual-node. Every target runs on the Node 24 that `npm ci` brings
# (the `node` package), never on the machine's own Node.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
export K8S_VERSION ?= v1.36.3
export ETCD_VERSION ?= v3.6.16
CACHE_DIR := $(HOME)/.cache/eci-virtual-node/$(K8S_VERSION)

.PHONY: help install lint typecheck format test test-unit test-integration control-plane cluster emulator demo bench conformance conformance-subset clean

help:
	@echo "make demo           run pods on an emulated ECI virtual node (starts everything locally)"
	@echo "make test           lint, type-check, unit tests, integration tests on a real control plane"
	@echo "make control-plane  build kube-apiserver/scheduler/controller-manager/kubectl $(K8S_VERSION) and etcd $(ETCD_VERSION)"
	@echo "make cluster        run that control plane in the foreground (Ctrl-C stops it)"
	@echo "make emulator       run the ECI + PrivateZone OpenAPI emulator"
	@echo "make bench          benchmarks"
	@echo "make conformance    Kubernetes' node-conformance e2e specs against the virtual node (docs/conformance.md)"
	@echo "make conformance-subset  a short subset of them (status, logs, exec, env), about 2 min"
	@echo "make chaos          the reliability suite: faults, restarts, fuzzing, with nothing lost (docs/reliability.md)"
	@echo "make image          docker build the image of both programs (IMAGE=registry/eci-virtual-node:tag; deploy/README.md)"

# npm ci whenever node_modules is missing or older than the lockfile.
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund
	@node -e 'if (!process.versions.node.startsWith("24.")) { console.error("expected Node 24 from node_modules, got " + process.version); process.exit(1) }'
	@touch $@

install: node_modules/.installed

lint: install
	eslint .
	prettier --check --log-level warn .
	knip

typecheck: install
	tsc --noEmit -p tsconfig.json

format: install
	prettier --write --log-level warn .

test-unit: install
	node --test --test-reporter=spec 'test/unit/**/*.test.ts'

$(CACHE_DIR)/kube-apiserver:
	bash scripts/build-control-plane.sh

control-plane: $(CACHE_DIR)/kube-apiserver
	@bash scripts/build-control-plane.sh

test-integration: install control-plane
	node scripts/test-integration.ts

test: install lint typecheck test-unit test-integration

cluster: install control-plane
	node scripts/cluster.ts

emulator: install
	node emulator/main.ts $(ARGS)

demo: install control-plane
	@if [ -f scripts/demo.ts ]; then node scripts/demo.ts; else \
	  echo "make demo: the demo arrives with the reconciler (issue 5); not there yet" >&2; exit 1; fi

bench: install control-plane
	node scripts/bench.ts $(ARGS)

# Builds the e2e binary once (cached beside the control plane); never part of `make test`.
conformance: install control-plane
	bash scripts/build-conformance.sh
	node scripts/conformance.ts

# The short subset of those specs (status, logs, exec, env), about 2 min once the e2e binary is built.
conformance-subset: install control-plane
	bash scripts/build-conformance.sh
	node --test --test-reporter=spec --test-timeout=1800000 test/conformance/subset.test.ts

clean:
	rm -rf node_modules

# The container image of both programs (Dockerfile; needs docker or another container engine,
# none on CI machines: test/unit/deploy/dockerfile.test.ts runs its commands instead).
IMAGE ?= eci-virtual-node:dev
.PHONY: image
image:
	docker build -t $(IMAGE) .

# The reliability suite (docs/reliability.md): every chaos scenario, the fuzzers and the
# secret scan against its own control plane; prints the table. CHAOS_PODS, CHAOS_REPLICAS,
# CHAOS_ONLY, FUZZ_RUNS tune it. Never part of `make test` (its subset is test/integration/chaos/).
.PHONY: chaos
chaos: install control-plane
	node scripts/chaos.ts
