# edgetail: two commands matter, `make run` and `make test`. Both install the
# Debian packages the build needs first, so they work on a fresh machine.

APT_PACKAGES := pkg-config libpcre2-dev libsystemd-dev libsqlite3-dev sqlite3 systemd-journal-remote binutils dpkg-dev chromium tmux ca-certificates
# Only for `make deb` (lintian) and `make deb-test` (debootstrap, systemd-nspawn).
DEB_APT_PACKAGES := lintian debootstrap systemd-container
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SWIFT ?= swift

VERSION := $(shell sed -n 's/.*string = "\(.*\)".*/\1/p' Sources/EdgeTail/Version.swift)
ARCH := $(shell dpkg --print-architecture 2>/dev/null)
DEB := dist/edgetail_$(VERSION)_$(ARCH).deb

.PHONY: deps deb-deps install-apt build run test bench deb deb-test clean update-bots

deps:
	@$(MAKE) --no-print-directory install-apt PACKAGES="$(APT_PACKAGES)"

deb-deps: deps
	@$(MAKE) --no-print-directory install-apt PACKAGES="$(DEB_APT_PACKAGES)"

install-apt:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
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

# The Debian package: a stripped release binary with the Swift runtime linked in.
deb: deb-deps
	$(SWIFT) build -c release --scratch-path .build-release --product edgetail --static-swift-stdlib
	packaging/build-deb.sh --binary .build-release/release/edgetail --output dist
	lintian --fail-on error --tag-display-limit 0 $(DEB)
	@ls -l $(DEB)

# Installs the package into a clean Debian root (debootstrap, cached in .cache/), purges it.
deb-test: deb
	$(SUDO) packaging/deb-test.sh $(DEB)

# Refreshes the vendored crawler-user-agents list (MIT) from PyPI and regenerates the
# Swift source compiled into the binary. BOTS_VERSION=1.67.0 pins a release.
BOTS_VERSION ?=
BOTS_DIR := ThirdParty/crawler-user-agents
update-bots:
	@tmp=$$(mktemp -d); \
	python3 -m pip download --quiet --no-deps -d $$tmp "crawler-user-agents$(if $(BOTS_VERSION),==$(BOTS_VERSION))" && \
	wheel=$$(ls $$tmp/crawler_user_agents-*.whl) && \
	version=$$(basename $$wheel | sed 's/crawler_user_agents-\([^-]*\)-.*/\1/') && \
	python3 -m zipfile -e $$wheel $$tmp/wheel && \
	cp $$tmp/wheel/crawleruseragents/crawler-user-agents.json $(BOTS_DIR)/ && \
	cp $$tmp/wheel/crawler_user_agents-$$version.dist-info/licenses/LICENSE $(BOTS_DIR)/LICENSE && \
	echo $$version > $(BOTS_DIR)/VERSION && \
	python3 Scripts/generate-crawler-patterns.py $(BOTS_DIR) $$version Sources/EdgeTail/Mapping/Bots/CrawlerPatterns.swift; \
	status=$$?; rm -rf $$tmp; exit $$status

clean:
	rm -rf .build .build-release dist
