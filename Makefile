# Shortcuts for people who have make; the README's commands need only Go.
GO ?= go

.PHONY: run test lint build bench bench-all

run: ## scrape the offline site, classify, load, print a summary
	$(GO) run ./cmd/horizon run

test: ## gofmt, vet, and all tests under -race against real Postgres and NATS
	./scripts/test

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...

build: ## the binaries, into bin/
	$(GO) build -o bin/ ./cmd/...

bench: ## issue 16's figures as a table: end to end, loader vs raw COPY, dashboard at 100,000 technologies
	./scripts/bench

bench-all: ## every Go benchmark of every package
	$(GO) run ./cmd/horizon env -- $(GO) test -run '^$$' -bench . -benchmem ./...
