# Two commands on a fresh Debian/Ubuntu machine with Swift installed:
#   make run    installs what is missing (apt-get: needs root or sudo), builds,
#               and serves the example rules on 127.0.0.1:8080 with the
#               embedded SQLite store (herald.sqlite) and the outbox/ folder
#   make test   the whole test suite: unit tests, the example rules' lint and
#               tests, and both conformance runners (../shared beside the clone)
# Other targets: build, release, crash-test, bench.

SWIFT ?= swift
HERALD = .build/debug/herald
SHARED ?= ../shared
export PATH := /opt/swift/usr/bin:$(PATH)

.PHONY: deps build release run test crash-test bench dist install

deps:
	bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product herald

run: build
	HERALD_TOKEN=$${HERALD_TOKEN:-dev-token} $(HERALD) serve --config scripts/run-herald.yaml

test: build
	bash Tests/smtp/setup-venv.sh
	$(SWIFT) test
	python3 Tests/schema/validate.py Rules
	$(HERALD) lint --warnings-as-errors Rules
	$(HERALD) test Rules
	for events in Rules/*/events.ndjson; do $(HERALD) eval --rules Rules "$$events" > /dev/null; done
	@if [ -x $(SHARED)/conformance/run ]; then \
	  $(SHARED)/conformance/run --herald "$(CURDIR)/$(HERALD)" && \
	  $(SHARED)/conformance/service/run --herald "$(CURDIR)/$(HERALD)"; \
	else echo "$(SHARED)/conformance not found: conformance runners skipped"; fi

crash-test: release
	python3 Tests/crash/crash_test.py --herald .build/release/herald --kills 100 --seconds 300

bench: release
	python3 Benchmarks/service/bench.py --herald .build/release/herald

PREFIX ?= /usr/local

dist: deps
	$(SWIFT) build -c release --static-swift-stdlib --product herald
	mkdir -p dist && cp .build/release/herald dist/herald

install:
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 dist/herald $(DESTDIR)$(PREFIX)/bin/herald
