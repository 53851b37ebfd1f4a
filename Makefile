# landgov: the two commands (README):
#   make demo    install what is needed, build, create a demo county, serve it
#   make check   install what is needed, build with sanitizers, run every test
# Other targets: build, test (without reinstalling), bench, clean,
#   fuzz (random exploration: each libFuzzer harness for FUZZ_SECONDS,
#   default 60; what it finds fails it and becomes a regression input).

BUILD      ?= build
CHECK      ?= build-check
DEMO_DB    ?= demo/landgov.gpkg
PORT       ?= 8080
JOBS       ?= $(shell nproc)
FUZZ       ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: format format-check lane-sqlite lane-pg lane-web all deps build build-check check test unit api browser demo bench clean
.PHONY: pg unit-pg api-pg unit-pg-run api-pg-run
.PHONY: fuzz fuzz-build fuzz-short

all: build

deps:
	bash scripts/deps.sh

$(BUILD)/Makefile:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DLG_SANITIZE=OFF >/dev/null

build: $(BUILD)/Makefile
	cmake --build $(BUILD) -j$(JOBS)

$(CHECK)/Makefile:
	cmake -S . -B $(CHECK) -DCMAKE_BUILD_TYPE=Debug -DLG_SANITIZE=ON >/dev/null

build-check: $(CHECK)/Makefile
	cmake --build $(CHECK) -j$(JOBS)

# Every test, with ASan and UBSan: unit (cmocka via CTest), API (node's test
# runner against a real server on loopback), browser (playwright-core
# driving Debian's chromium). The release build is made too, so that the
# optimiser's warnings (-Werror) are caught here and not by `make demo`.
#
# The suites share no state (each test has its own store file or
# database, its own server port, its own browser), so `make check` runs
# them in three lanes at once: SQLite unit and API; PostgreSQL unit and
# API (one throwaway cluster); the fuzz replay and the browser. Each
# lane's output is printed whole when it ends (--output-sync).
check: deps format-check build build-check fuzz-build
	$(MAKE) --no-print-directory -j3 --output-sync=recurse lane-sqlite lane-pg lane-web

lane-sqlite:
	$(MAKE) --no-print-directory -j1 unit api

lane-pg:
	$(MAKE) --no-print-directory -j1 pg

lane-web:
	$(MAKE) --no-print-directory -j1 fuzz-short browser

# C is formatted by .clang-format (clang-format 14, Debian 12): `make
# format` rewrites, `make format-check` (part of check) fails on a file
# that differs and names it.
C_SOURCES = $(shell find src tests fuzz bench tools -name '*.[ch]' 2>/dev/null | sort)
format:
	clang-format -i $(C_SOURCES)

format-check:
	@clang-format --dry-run -Werror $(C_SOURCES) || \
	  { echo "format-check: the files above differ from .clang-format; run make format" >&2; exit 1; }

# The same suites one after another.
test: unit api browser pg fuzz-short

unit:
	cd $(CHECK) && ctest --output-on-failure -j2 -LE pg

# The unit and API suites again on the PostgreSQL backend, against one
# throwaway cluster (tests/with-pg.sh starts and stops it).
pg:
	bash tests/with-pg.sh $(CURDIR)/$(CHECK)/pgtest $(MAKE) --no-print-directory unit-pg-run api-pg-run

unit-pg:
	bash tests/with-pg.sh $(CURDIR)/$(CHECK)/pgtest $(MAKE) --no-print-directory unit-pg-run

api-pg:
	bash tests/with-pg.sh $(CURDIR)/$(CHECK)/pgtest $(MAKE) --no-print-directory api-pg-run

unit-pg-run:
	cd $(CHECK) && ctest --output-on-failure -j2 -L pg

api-pg-run:
	LANDGOV_BIN=$(CURDIR)/$(CHECK)/landgov node --test --test-concurrency=1 tests/api/

api:
	LANDGOV_BIN=$(CURDIR)/$(CHECK)/landgov node --test --test-concurrency=1 tests/api/

browser:
	@if [ -d tests/browser ] && ls tests/browser/*.test.mjs >/dev/null 2>&1; then \
	  LANDGOV_BIN=$(CURDIR)/$(CHECK)/landgov node --test --test-concurrency=1 tests/browser/; \
	else echo "browser: no browser tests yet"; fi

demo: deps build
	@mkdir -p $(dir $(DEMO_DB))
	@if [ ! -f $(DEMO_DB) ]; then ./$(BUILD)/landgov --db $(DEMO_DB) demo; fi
	./$(BUILD)/landgov --db $(DEMO_DB) serve --port $(PORT)

# libFuzzer harnesses (fuzz/): built with clang, ASan and UBSan in
# $(FUZZ). `make fuzz` explores at random for FUZZ_SECONDS each, and any
# crash, leak or timeout fails it. `make check` runs fuzz-short: a
# deterministic replay of every committed seed and regression input (the
# gate: it fails only for the code), then FUZZ_EXPLORE_SECONDS (5) of
# random exploration per harness that reports what it finds and never
# fails the build (a random finding in untouched code must not block a
# change; it is fixed and its input added to tests/data/fuzz-regress/).
$(FUZZ)/Makefile:
	CC=clang cmake -S . -B $(FUZZ) -DLG_FUZZ=ON -DLG_SANITIZE=ON -DLG_WERROR=OFF \
	  -DCMAKE_BUILD_TYPE=Debug >/dev/null

fuzz-build: $(FUZZ)/Makefile
	cmake --build $(FUZZ) -j$(JOBS) --target fuzz_all

fuzz: fuzz-build
	bash fuzz/run.sh $(FUZZ) $(FUZZ_SECONDS)

FUZZ_EXPLORE_SECONDS ?= 5
fuzz-short: fuzz-build
	bash fuzz/run.sh $(FUZZ) replay
	bash fuzz/run.sh $(FUZZ) $(FUZZ_EXPLORE_SECONDS) --report-only

bench: deps build
	bash bench/run.sh

clean:
	rm -rf $(BUILD) $(CHECK) $(FUZZ)
