# edgetail: two commands matter, `make run` and `make test`. Both install the
# Debian packages the build needs first, so they work on a fresh machine.

APT_PACKAGES := pkg-config libpcre2-dev libsystemd-dev libsqlite3-dev systemd-journal-remote
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SWIFT ?= swift

.PHONY: deps build run test bench clean

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

run: deps
	$(SWIFT) build --product edgetail
	$$($(SWIFT) build --show-bin-path)/edgetail demo

test: deps
	$(SWIFT) test

bench: deps
	$(SWIFT) run -c release ParseBenchmark

clean:
	rm -rf .build
