# Flacon — build, run, test. See README.md.
# `make` builds build/flacon; `make run` / `make test` also install missing
# Debian packages and bring up private MariaDB + nginx instances.

CC      ?= cc
OPT     ?= -O2
CFLAGS  += -std=c17 -Wall -Wextra -Werror $(OPT) -g -D_GNU_SOURCE \
           -I app -I/usr/include/mariadb -I/usr/include/json-c $(XCFLAGS)
LDLIBS  += -lfcgi -lmariadb -ljson-c -lsodium -lpthread $(XLDLIBS)
# libuuid: the revision ids of `flacon db migrate` / `db merge` (app/cli),
# so only the programs on flacon_main link it.
CLI_LDLIBS := -luuid
BUILD   ?= build
# SYSCONF=/etc/flacon/flacon.conf: an installed build (make deb, the
# container image) also reads that file when there is no conf/flacon.conf.
ifneq ($(SYSCONF),)
CFLAGS  += -DFLACON_SYSCONF='"$(SYSCONF)"'
endif
PREFIX  ?= /usr/local

# Two layers (SPEC section 12): libflacon.a is the framework (LIB_SRC) and
# its generic command line (CLI_SRC); libsite.a is the bundled application
# (app/site), and build/flacon is the site's main.c on both.
LIB_SRC := $(sort $(wildcard app/core/*.c app/db/*.c app/orm/*.c app/tmpl/*.c app/web/*.c))
CLI_SRC := $(sort $(wildcard app/cli/*.c))
SITE_SRC := $(filter-out app/site/main.c,$(sort $(wildcard app/site/*.c)))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
SITE_OBJ := $(SITE_SRC:%.c=$(BUILD)/%.o)
HEADERS := $(wildcard app/*/*.h tests/*/*.h)

# C test suites: every directory tests/<suite>/ holding .c files becomes
# $(BUILD)/test_<suite>, linked against the library.
C_SUITES := $(sort $(patsubst tests/%/,%,$(dir $(wildcard tests/*/*.c))))
C_SUITES := $(filter-out lib fuzz,$(C_SUITES))
TEST_LIB_OBJ := $(BUILD)/tests/lib/test.o $(BUILD)/tests/lib/http_client.o $(BUILD)/tests/lib/procs.o \
                $(BUILD)/tests/lib/fcgi_raw.o

.PHONY: all clean deps run stop test sanitize alloc-fail valgrind bench bench-throttle bench-metrics fuzz check-deps cluster deb image install
all: $(BUILD)/flacon

$(BUILD)/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libflacon.a: $(LIB_OBJ) $(CLI_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libsite.a: $(SITE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/flacon: $(BUILD)/app/site/main.o $(BUILD)/libsite.a $(BUILD)/libflacon.a
	$(CC) $(CFLAGS) -o $@ $(BUILD)/app/site/main.o $(BUILD)/libsite.a $(BUILD)/libflacon.a $(CLI_LDLIBS) $(LDLIBS)

# The framework's suites test it on their own models and link only
# libflacon.a, as an outside application would; the others also link the
# bundled application (libsite.a).
FRAMEWORK_SUITES := unit mustache orm web
suite_libs = $(if $(filter $(1),$(FRAMEWORK_SUITES)),,$(BUILD)/libsite.a) $(BUILD)/libflacon.a
define suite_rule
$(BUILD)/test_$(1): $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/$(1)/*.c)) $(TEST_LIB_OBJ) tests/lib/test_main.c $(call suite_libs,$(1))
	$$(CC) $$(CFLAGS) -I tests/lib -DSUITE_NAME='"$(1)"' -o $$@ tests/lib/test_main.c \
		$(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/$(1)/*.c)) $(TEST_LIB_OBJ) $(call suite_libs,$(1)) $$(CLI_LDLIBS) $$(LDLIBS)
endef
$(foreach s,$(C_SUITES),$(eval $(call suite_rule,$(s))))

$(BUILD)/tests/%.o: tests/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I tests/lib -c -o $@ $<

# make install PREFIX=DIR: the framework for applications of one's own
# (SPEC section 12): DIR/lib/libflacon.a, DIR/include/flacon.h and
# DIR/include/flacon/ (one header per layer, the layers' public headers
# under it), DIR/lib/pkgconfig/flacon.pc. Nothing of app/site.
PUB_HEADERS := $(wildcard app/core/*.h) app/db/db.h app/orm/orm.h app/tmpl/tmpl.h app/web/web.h app/cli/cli.h app/cli/testclient.h
VERSION := $(shell sed -n 's/^\#define FLACON_VERSION "\(.*\)"/\1/p' app/cli/cli.h)
install: $(BUILD)/libflacon.a
	@test -n "$(PREFIX)" || { echo "make install: PREFIX is empty" >&2; exit 1; }
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(addprefix $(DESTDIR)$(PREFIX)/include/flacon/,core db orm tmpl web cli)
	install -m 644 $(BUILD)/libflacon.a $(DESTDIR)$(PREFIX)/lib/libflacon.a
	install -m 644 include/flacon.h $(DESTDIR)$(PREFIX)/include/flacon.h
	install -m 644 $(wildcard include/flacon/*.h) $(DESTDIR)$(PREFIX)/include/flacon/
	@for h in $(PUB_HEADERS); do \
		echo "install -m 644 $$h $(DESTDIR)$(PREFIX)/include/flacon/$${h#app/}"; \
		install -m 644 $$h $(DESTDIR)$(PREFIX)/include/flacon/$${h#app/} || exit 1; \
	done
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
		flacon.pc.in >$(DESTDIR)$(PREFIX)/lib/pkgconfig/flacon.pc

# make example: examples/blog (SPEC section 12) built as its users build
# it, from a fresh `make install` under $(BUILD)/example-prefix and
# nothing else (its binary: examples/blog/blog). `make test` runs its
# suite as the example: suite, from a copy outside the repository.
EXAMPLE_PREFIX := $(CURDIR)/$(BUILD)/example-prefix
example: $(BUILD)/libflacon.a
	@$(MAKE) --no-print-directory install PREFIX=$(EXAMPLE_PREFIX) >$(BUILD)/example-install.log
	PKG_CONFIG_PATH=$(EXAMPLE_PREFIX)/lib/pkgconfig $(MAKE) --no-print-directory -C examples/blog blog test_models
.PHONY: example

test-bins: $(BUILD)/flacon $(foreach s,$(C_SUITES),$(BUILD)/test_$(s))
.PHONY: test-bins

clean:
	rm -rf build build-*

# ---- the two commands and friends ----------------------------------------

deps:
	@scripts/deps.sh run

run: deps all
	@scripts/run.sh

stop:
	@scripts/stop.sh

# make cluster: 3 Galera nodes, 3 Flacon hosts and one nginx on this machine
# (data under var/cluster/), on http://127.0.0.1:8090/ ; Ctrl-C stops it.
cluster:
	@scripts/deps.sh cluster
	@$(MAKE) --no-print-directory all
	@FLACON_CLUSTER_PORT=$${FLACON_CLUSTER_PORT:-8090} scripts/cluster.sh run var/cluster $(BUILD)/flacon

# make test: every suite against throw-away MariaDB + workers + nginx.
test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory test-bins >$(BUILD)-make.log 2>&1 || { cat $(BUILD)-make.log; exit 1; }
	@tests/run.sh $(BUILD)

# make sanitize: the same suites, everything built with ASan + UBSan.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
sanitize:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory BUILD=build-san OPT=-O1 XCFLAGS='$(SAN_FLAGS)' XLDLIBS='$(SAN_FLAGS)' test-bins >build-san-make.log 2>&1 || { cat build-san-make.log; exit 1; }
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 tests/run.sh build-san

# make alloc-fail: the ORM workload run with its N-th arena allocation
# failing, for every N until it completes (tests/orm/test_alloc_fail.c),
# under ASan + UBSan: a crash, a leak or a wrong result fails it.
alloc-fail:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory BUILD=build-san OPT=-O1 XCFLAGS='$(SAN_FLAGS)' XLDLIBS='$(SAN_FLAGS)' build-san/test_orm build-san/flacon >build-san-make.log 2>&1 || { cat build-san-make.log; exit 1; }
	@TEST_FILTER=test_orm_workload_fails_cleanly_at_every_allocation ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 tests/run.sh build-san orm

# make valgrind: the in-process suites (unit, mustache, orm, web, site)
# under valgrind's memcheck (errors and leaks fail them).
valgrind:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory BUILD=build-vg OPT=-O1 test-bins >build-vg-make.log 2>&1 || { cat build-vg-make.log; exit 1; }
	@VALGRIND=1 tests/run.sh build-vg unit mustache orm web site

# make fuzz: each libFuzzer target for FUZZ_SECONDS (default 60).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c)))
fuzz:
	@scripts/deps.sh fuzz
	@mkdir -p build-fuzz
	@for t in $(FUZZ_TARGETS); do \
		clang -std=c17 -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I app -I/usr/include/mariadb -I/usr/include/json-c \
			-o build-fuzz/$$t tests/fuzz/$$t.c $(LIB_SRC) $(LDLIBS) || exit 1; \
		mkdir -p build-fuzz/corpus-$$t; \
		echo "fuzz $$t for $(FUZZ_SECONDS) s"; \
		build-fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 build-fuzz/corpus-$$t 2>build-fuzz/$$t.log \
			|| { tail -40 build-fuzz/$$t.log; exit 1; }; \
		echo "fuzz $$t: no crash"; \
	done

# make deb: the Debian package (SPEC 13) in build-deb/, checked by lintian.
deb:
	@scripts/deps.sh deb
	@scripts/deb.sh build-deb
	@lintian --fail-on error --suppress-tags no-manual-page build-deb/flacon_*.deb

# make image: the container image localhost/flacon (Dockerfile), built with
# buildah FROM a Debian 12 base made by debootstrap (cached under var/image/).
image:
	@scripts/deps.sh image
	@scripts/image.sh

# make bench: the SPEC 9 table into bench/results.md; the libfcgi ceilings
# (bench/ceiling_*.c) and examples/blog (from `make install`) are built by
# scripts/bench.sh under $(BUILD). Knobs: README, "Performance".
bench: all
	@scripts/deps.sh bench
	@BUILD=$(BUILD) scripts/bench.sh

# One client sending wrong passwords beside a -c16 load (login throttling).
bench-throttle: all
	@scripts/deps.sh bench
	@BUILD=$(BUILD) bench/throttle.sh

# make bench-metrics: the request path's metrics timed alone (ns per request).
bench-metrics: $(BUILD)/libflacon.a
	@$(CC) $(CFLAGS) -o $(BUILD)/metrics_cost bench/metrics_cost.c $(BUILD)/libflacon.a $(LDLIBS)
	@$(BUILD)/metrics_cost

# make bench-stmt: MariaDB's CPU per execution of the list pages' statements
# and of variants of them (bench/stmt_cost.c; docs/performance.md), on a
# throw-away MariaDB with make bench's settings and data set (about 30 s on
# 2 CPUs). STMT_N executions per connection and round, STMT_ROUNDS rounds,
# STMT_FILTER: only the statements whose names contain one of its
# "|"-separated parts (STMT_FILTER="pk|courses").
STMT_N ?= 1000
STMT_ROUNDS ?= 3
STMT_FILTER ?=
.PHONY: bench-stmt
bench-stmt: all
	@$(CC) $(CFLAGS) -o $(BUILD)/stmt_cost bench/stmt_cost.c $(LDLIBS)
	@ROOT=$(CURDIR) BUILD=$(BUILD) CPUS=2 CONNS=2 bash -c 'source scripts/stack.sh && \
		source scripts/bench-stack.sh && bench_stack stmt && \
		"$$FLACON" db upgrade >/dev/null && \
		"$$FLACON" seed --users 1000 --articles 100000 --courses 200 --students 1000 | tail -1 && \
		echo "MariaDB $$(mariadbd --version | cut -d" " -f4) at innodb_flush_log_at_trx_commit = $$FLUSH_AT_COMMIT" && \
		$(BUILD)/stmt_cost "$$T/db/mysqld.sock" flacon flacon "$$(cat "$$T/db/mysqld.pid")" \
			$(STMT_N) $(STMT_ROUNDS) "$(STMT_FILTER)"'
