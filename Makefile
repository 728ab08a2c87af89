# guanxi — build, run and test. `make run` and `make test` do all set-up.
# Build modes: release (build/release, -O2) and asan (build/asan, ASan+UBSan, used by tests).

CC       ?= cc
PKGS     := libmicrohttpd jansson sqlite3 libsodium icu-uc icu-i18n opencc libcurl xlsxwriter libical libpq
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lm -lpthread
WARN     := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
BASE_CFLAGS := -std=c17 -D_GNU_SOURCE $(WARN) -g -Isrc -Ibuild/gen $(PKG_CFLAGS)
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

MODE     ?= release
ifeq ($(MODE),asan)
  CFLAGS_MODE := -O1 $(SAN)
  LDFLAGS_MODE := $(SAN)
  MALLOC_LIBS :=
else
  CFLAGS_MODE := -O2
  LDFLAGS_MODE :=
  # jemalloc (docs/benchmarks.md): a request's ~40 small allocations, most of
  # them libmicrohttpd's header copies, cost half as much; ASan has its own
  MALLOC_LIBS := $(shell pkg-config --libs jemalloc 2>/dev/null)
endif
B        := build/$(MODE)

# EXCLUDE=src/dir ... leaves folders out of a build (work in progress elsewhere)
LIB_SRC  := $(filter-out src/main.c $(EXCLUDE) $(addsuffix /%,$(EXCLUDE)),$(wildcard src/*/*.c)) build/gen/migrations.c build/gen/assets.c build/gen/t2s_phrases.c
LIB_OBJ  := $(patsubst %.c,$(B)/%.o,$(LIB_SRC))
UNIT_SRC := $(filter-out $(UNIT_EXCLUDE),$(wildcard tests/unit/*.c))
UNIT_OBJ := $(patsubst %.c,$(B)/%.o,$(UNIT_SRC))
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

.PHONY: all build run test test-unit test-api test-e2e deps deps-test fuzz bench clean web style

all: build
build: deps web
	@$(MAKE) --no-print-directory MODE=release build/release/guanxi

# The web app (Vue + Vite) is built into web/dist and embedded in the binary.
web:
	@if [ -f web/package.json ]; then \
	  cd web && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; } && npm run --silent build; \
	fi

$(B)/guanxi: $(B)/src/main.o $(B)/libguanxi.a
	$(CC) $(LDFLAGS_MODE) -o $@ $^ $(MALLOC_LIBS) $(PKG_LIBS)

# The archive is rebuilt when the list of objects changes, not only when one
# of them does (EXCLUDE or a new file changes the list).
$(B)/objlist: FORCE
	@mkdir -p $(B)
	@echo "$(LIB_OBJ)" | cmp -s - $@ || echo "$(LIB_OBJ)" > $@

$(B)/libguanxi.a: $(LIB_OBJ) $(B)/objlist
	@rm -f $@
	ar rcs $@ $(LIB_OBJ)

FORCE:

$(B)/unit_tests: $(UNIT_OBJ) $(B)/libguanxi.a
	$(CC) $(LDFLAGS_MODE) -o $@ $^ $(MALLOC_LIBS) $(PKG_LIBS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS_MODE) -DGX_VERSION='"$(VERSION)"' -MMD -MP -c $< -o $@

# Generated sources: SQL migrations and web assets compiled into the binary.
build/gen/migrations.c: $(sort $(wildcard sql/migrations/*.sql)) scripts/embed.sh
	@mkdir -p build/gen
	scripts/embed.sh migrations $(sort $(wildcard sql/migrations/*.sql)) > $@.tmp && mv $@.tmp $@

# OpenCC's t2s phrases (src/text/t2s.c checks the installed files against them)
build/gen/t2s_phrases.c: scripts/gen_t2s.sh $(wildcard /usr/share/opencc/t2s.json /usr/share/opencc/TSPhrases.ocd2)
	@mkdir -p build/gen
	scripts/gen_t2s.sh > $@.tmp && mv $@.tmp $@

WEB_FILES := $(shell find web/dist -type f 2>/dev/null | sort)
ASSET_DIR := $(if $(WEB_FILES),web/dist,web/placeholder)
build/gen/assets.c: scripts/embed.sh $(WEB_FILES) $(wildcard web/placeholder/*)
	@mkdir -p build/gen
	scripts/embed.sh assets $(ASSET_DIR) > $@.tmp && mv $@.tmp $@

deps:
	@scripts/deps.sh run
deps-test:
	@scripts/deps.sh test

# --- the two README commands -------------------------------------------------
run: build
	@scripts/run.sh

test: deps-test web
	@scripts/test.sh

# --- parts of the test suite -------------------------------------------------
test-unit:
	@$(MAKE) --no-print-directory MODE=asan build/asan/unit_tests build/asan/guanxi
	build/asan/unit_tests

test-e2e: web
	@$(MAKE) --no-print-directory MODE=asan build/asan/guanxi
	cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error
	node --test tests/e2e/

fuzz:
	@scripts/fuzz.sh

bench: build
	@scripts/bench.sh

style:
	@scripts/style.sh

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
