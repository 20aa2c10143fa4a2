# doptop — build, test, bench, fuzz.  Plain make + pkg-config.
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(PREFIX)/bin
MANDIR   = $(PREFIX)/share/man/man1
DATADIR  = $(PREFIX)/share/doptop
VERSION  = 0.1.0

PKGS     = ncursesw libssh2 libproc2 libcurl libcrypto libzstd zlib
CC      ?= cc
WARN     = -Wall -Wextra -Wshadow -Wpointer-arith -Wcast-qual -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wvla -Werror
# -MMD -MP: the compiler lists every header an object includes (public ones
# in include/, private ones beside their .c in src/) in a .d file beside it.
CPPFLAGS += -MMD -MP -Iinclude -D_GNU_SOURCE -DDOPTOP_VERSION='"$(VERSION)"' \
            -DDOPTOP_DATADIR='"$(DATADIR)"'
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 $(WARN) $(shell pkg-config --cflags $(PKGS))
LDLIBS  += $(shell pkg-config --libs $(PKGS)) -lm -lpthread

SRC      = $(sort $(wildcard src/*.c))
OBJ      = $(SRC:src/%.c=build/rel/%.o)
# Everything but main.c and the loop links into unit tests.
LIBSRC   = $(filter-out src/main.c src/loop.c,$(SRC))
TESTSRC  = $(sort $(wildcard tests/test_*.c))
# Test tiers.  A cmocka test whose header comment has the line
# " * Tier: integration" needs a real sshd (or root) and runs only in
# `make test`; every other one is a unit test, run by `make check` too.
ITESTSRC = $(shell grep -l '^ \* Tier: integration' $(TESTSRC))
UTESTSRC = $(filter-out $(ITESTSRC),$(TESTSRC))

SANFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
DBGOBJ   = $(SRC:src/%.c=build/dbg/%.o)
DBGLIB   = $(LIBSRC:src/%.c=build/dbg/%.o)
TESTBIN  = $(TESTSRC:tests/%.c=build/dbg/tests/%)
UTESTBIN = $(UTESTSRC:tests/%.c=build/dbg/tests/%)
ITESTBIN = $(ITESTSRC:tests/%.c=build/dbg/tests/%)

.PHONY: all run check test test-vm record-vm bench soak fuzz install uninstall clean screenshots

all: doptop

doptop: $(OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJ) $(LDLIBS)

build/rel/%.o: src/%.c | build/rel
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# Debug/sanitizer build, used by every test.
build/dbg/doptop: $(DBGOBJ)
	$(CC) $(CFLAGS) $(SANFLAGS) $(LDFLAGS) -o $@ $(DBGOBJ) $(LDLIBS)
	ln -sfn ../../themes build/dbg/themes

build/dbg/%.o: src/%.c | build/dbg
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -c -o $@ $<

build/dbg/tests/%: tests/%.c $(DBGLIB) | build/dbg/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -Wno-missing-prototypes -o $@ $< $(DBGLIB) \
	  $(LDLIBS) $(shell pkg-config --libs cmocka)
	ln -sfn ../../../themes build/dbg/tests/themes

build/rel build/dbg build/dbg/tests:
	mkdir -p $@

# README step 1 (after `sh .ci/deps run`): build, watch this machine.
run: doptop
	./doptop

# The fast tier: every unit test under ASan+UBSan; no root, no sshd, no
# loads (under 30 s).
check: $(UTESTBIN)
	@UNIT_TESTS="$(UTESTBIN)" sh tests/run_all.sh check

# README step 2 (after `sh .ci/deps test`): the whole suite under
# ASan+UBSan: the unit tier, then the integration tier (cmocka tests against
# a real sshd, tests/it_*.sh, one item per real-load scenario).  Ends with
# "N passed, N failed, N skipped"; skips are listed with their reasons.
test: build/dbg/doptop $(TESTBIN)
	@UNIT_TESTS="$(UTESTBIN)" IT_TESTS="$(ITESTBIN)" sh tests/run_all.sh all

# Only the microVM fleet test, all three parts (as `make test` does, in
# 250 s): VMS=N guests, VM_BUDGET seconds (default 480 here).
test-vm: build/dbg/doptop
	DOPTOP_BIN=$(CURDIR)/build/dbg/doptop VM_BUDGET=$${VM_BUDGET:-480} sh tests/vm/it_vm.sh

# A microVM fleet running the seed-shaped job, with doptop open on it.
demo: doptop
	@sh tests/vm/demo.sh

bench: doptop
	@sh bench/run.sh

# A long run under a fault schedule (bench/soak.sh; SOAK_NODES, SOAK_INTERVAL,
# SOAK_MINUTES): memory, descriptors, CPU, recovery, record/replay.
soak: doptop
	@sh bench/soak.sh

fuzz: build/fuzz/fuzz_parse build/fuzz/fuzz_expo build/fuzz/fuzz_prom_json build/fuzz/fuzz_record \
      build/fuzz/fuzz_facts build/fuzz/fuzz_known_hosts build/fuzz/fuzz_ssh_config
	./build/fuzz/fuzz_parse -max_total_time=$${FUZZ_SECONDS:-60} -max_len=65536 \
	  build/fuzz/corpus tests/fixtures/corpus
	mkdir -p build/fuzz/corpus_expo build/fuzz/corpus_prom_json
	./build/fuzz/fuzz_expo -max_total_time=$${FUZZ_SECONDS:-60} -max_len=65536 \
	  build/fuzz/corpus_expo tests/fixtures/prom
	./build/fuzz/fuzz_prom_json -max_total_time=$${FUZZ_SECONDS:-60} -max_len=65536 \
	  build/fuzz/corpus_prom_json tests/fixtures/prom
	./build/fuzz/fuzz_record -max_total_time=$${FUZZ_SECONDS:-60} -max_len=65536 \
	  -rss_limit_mb=2048 build/fuzz/corpus_record tests/fixtures/corpus_record
	mkdir -p build/fuzz/corpus_facts
	./build/fuzz/fuzz_facts -max_total_time=$${FUZZ_SECONDS:-60} -max_len=65536 \
	  build/fuzz/corpus_facts tests/fixtures/facts
	mkdir -p build/fuzz/corpus_kh build/fuzz/corpus_sshcfg
	./build/fuzz/fuzz_known_hosts -max_total_time=$${FUZZ_SECONDS:-60} -max_len=65536 \
	  build/fuzz/corpus_kh tests/fixtures/ssh/fuzz_known_hosts
	./build/fuzz/fuzz_ssh_config -max_total_time=$${FUZZ_SECONDS:-60} -max_len=16384 \
	  build/fuzz/corpus_sshcfg tests/fixtures/ssh/fuzz_config

build/fuzz/fuzz_parse: fuzz/fuzz_parse.c $(LIBSRC) $(wildcard include/*.h src/*.h)
	mkdir -p build/fuzz/corpus
	clang $(CPPFLAGS) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	  -o $@ fuzz/fuzz_parse.c src/parse_frame.c src/frame_delta.c src/parse_proc.c \
	  src/sample.c src/text.c

build/fuzz/fuzz_expo: fuzz/fuzz_expo.c $(LIBSRC) $(wildcard include/*.h)
	mkdir -p build/fuzz
	clang $(CPPFLAGS) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	  -o $@ fuzz/fuzz_expo.c src/expo.c src/node_metrics.c src/parse_frame.c src/frame_delta.c \
	  src/parse_proc.c src/sample.c src/text.c -lm

build/fuzz/fuzz_prom_json: fuzz/fuzz_prom_json.c $(LIBSRC) $(wildcard include/*.h)
	mkdir -p build/fuzz
	clang $(CPPFLAGS) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	  -o $@ fuzz/fuzz_prom_json.c src/prom_json.c src/expo.c src/err.c src/text.c -lm

# The recording reader: bare text, gzip and the zstd container.
build/fuzz/fuzz_record: fuzz/fuzz_record.c $(LIBSRC) $(wildcard include/*.h src/*.h)
	mkdir -p build/fuzz/corpus_record
	clang $(CPPFLAGS) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	  -o $@ fuzz/fuzz_record.c src/replay.c src/record.c src/rec_stream.c \
	  src/parse_frame.c src/frame_delta.c src/parse_proc.c src/sample.c src/text.c -lzstd -lz -lm

build/fuzz/fuzz_facts: fuzz/fuzz_facts.c src/facts.c src/insize.c src/text.c $(wildcard include/*.h)
	mkdir -p build/fuzz
	clang $(CPPFLAGS) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	  -o $@ fuzz/fuzz_facts.c src/facts.c src/insize.c src/text.c -lm

build/fuzz/fuzz_known_hosts: fuzz/fuzz_known_hosts.c src/ssh_known_hosts.c src/ssh_match.c \
                             $(wildcard include/*.h)
	mkdir -p build/fuzz
	clang $(CPPFLAGS) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	  -o $@ fuzz/fuzz_known_hosts.c src/ssh_known_hosts.c src/ssh_match.c -lcrypto

build/fuzz/fuzz_ssh_config: fuzz/fuzz_ssh_config.c src/ssh_config.c src/ssh_config_kw.c \
                            src/ssh_config_out.c src/ssh_match.c src/text.c \
                            $(wildcard include/*.h src/*.h)
	mkdir -p build/fuzz
	clang $(CPPFLAGS) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	  -o $@ fuzz/fuzz_ssh_config.c src/ssh_config.c src/ssh_config_kw.c src/ssh_config_out.c \
	  src/ssh_match.c src/text.c -lcrypto

screenshots: doptop
	@sh .ci/deps shots && sh tests/screenshots.sh

# Record the session the screenshots are made from (tests/data/vmfleet.rec):
# a microVM fleet running the seed-shaped job, with a preemption (as root).
record-vm: doptop
	@sh tests/vm/record.sh

install: doptop
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(DATADIR)/themes
	install -m 755 doptop $(DESTDIR)$(BINDIR)/doptop
	install -m 644 docs/doptop.1 $(DESTDIR)$(MANDIR)/doptop.1
	install -m 644 themes/*.theme $(DESTDIR)$(DATADIR)/themes/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/doptop $(DESTDIR)$(MANDIR)/doptop.1
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build doptop

-include $(OBJ:.o=.d) $(DBGOBJ:.o=.d) $(TESTBIN:=.d)
