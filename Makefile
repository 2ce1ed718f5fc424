# Neogenesys Console. `make help` lists the targets.
SHELL := /bin/bash
GO ?= go
BIN := $(CURDIR)/bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/neogenesys/console/internal/cli.Version=$(VERSION)
TOOLS := $(BIN)/headscale $(BIN)/tailscale $(BIN)/tailscaled
LISTEN ?= 127.0.0.1:8080
CONFIG ?=

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(TOOLS) &: tools/go.mod tools/go.sum
	@mkdir -p $(BIN)
	@echo ">> building pinned headscale, tailscale and tailscaled (tools/go.mod); the first build takes a few minutes"
	cd tools && $(GO) build -trimpath -o $(BIN)/ github.com/juanfont/headscale/cmd/headscale tailscale.com/cmd/tailscale tailscale.com/cmd/tailscaled
	@touch $(TOOLS)

.PHONY: tools
tools: $(TOOLS) ## Build the pinned headscale, tailscale and tailscaled into bin/

.PHONY: web
web: ## Build the web app into web/dist (needs Node 20 and npm)
	cd web && npm ci --no-audit --no-fund --prefer-offline && npm run build

.PHONY: build
build: web ## Build bin/neoconsole with the web app embedded
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/neoconsole ./cmd/neoconsole

.PHONY: run
run: tools build ## Start the console on http://$(LISTEN) with a managed Headscale (data in ./data)
	@$(BIN)/neoconsole admin create --username admin --if-no-admin $(if $(CONFIG),--config $(CONFIG))
	@echo ">> sign in at http://$(LISTEN) as 'admin' with the password printed above (printed once, on the first run)"
	@echo ">> API token for scripts and the CLI: bin/neoconsole tokens create --user admin --name cli"
	NEOCONSOLE_HTTP_LISTEN=$(LISTEN) $(BIN)/neoconsole serve $(if $(CONFIG),--config $(CONFIG))

.PHONY: demo
demo: tools build ## Like run, plus simulated AWS, GCP, Azure and Proxmox accounts with VMS (default 200) VMs each
	$(GO) build -o $(BIN)/cloudsim ./cmd/cloudsim
	@$(BIN)/neoconsole admin create --username admin --if-no-admin $(if $(CONFIG),--config $(CONFIG))
	@echo ">> sign in at http://$(LISTEN) as 'admin' with the password printed above (printed once, on the first run)"
	@set -e; NEOCONSOLE_HTTP_LISTEN=$(LISTEN) $(BIN)/neoconsole serve $(if $(CONFIG),--config $(CONFIG)) & console=$$!; \
	  trap 'kill $$console 2>/dev/null; wait $$console' EXIT INT TERM; \
	  for i in $$(seq 1 100); do curl -fsS http://$(LISTEN)/readyz >/dev/null 2>&1 && break; sleep 0.2; done; \
	  token=$$($(BIN)/neoconsole tokens create --user admin --name demo-$$(date +%s) --expires 24h $(if $(CONFIG),--config $(CONFIG)) | tail -n1); \
	  $(BIN)/cloudsim --vms $(or $(VMS),200) --latency 20ms --register http://$(LISTEN) --token "$$token"

.PHONY: test
test: tools web ## Run every test: Go and web units, SQLite + PostgreSQL, real Headscale, tailscaled and Chromium
	$(GO) vet ./...
	cd web && npm test
	$(GO) test -count=1 -timeout 25m ./...

.PHONY: test-short
test-short: ## Quick tests only (leaves out the slow suites)
	$(GO) test -short ./...

.PHONY: bench
bench: tools ## Run the benchmarks and print their figures
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./...

.PHONY: lint
lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

.PHONY: clean
clean: ## Remove build output (keeps ./data)
	rm -rf $(BIN)/neoconsole web/dist/assets web/dist/index.html
