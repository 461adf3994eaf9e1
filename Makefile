# Outpost - one Makefile: all, check, asan, install, clean.

PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
DESTDIR	?=

CC	?= cc
CFLAGS	?= -O2 -g
# Always, whatever CFLAGS the command line gives (make asan sets its own).
OUTPOST_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Icommon \
	   -Ipolicyd -Imilter
LDLIBS_COMMON = -llmdb -lpthread -lm
# outpostctl domain verify: OpenSSL (DKIM keys), libspf2, the resolver
LDLIBS_CTL = $(LDLIBS_COMMON) -ljansson -lspf2 -lcrypto -lresolv
LDLIBS_MILTER = $(LDLIBS_COMMON) -lmilter -lcurl -ljansson
LDLIBS_TEST = $(LDLIBS_CTL) -lcurl

COMMON_SRC = $(wildcard common/*.c)
COMMON_OBJ = $(COMMON_SRC:.c=.o)
# policyd/ code shared by the daemon and outpostctl
PD_LIB_SRC = policyd/block.c policyd/block_filter.c policyd/rate.c \
	  policyd/request.c \
	  policyd/bounce.c policyd/bounce_msg.c policyd/bounce_log.c \
	  policyd/ingest.c \
	  policyd/dnstxt.c policyd/dkim.c policyd/dmarc.c policyd/spf.c
PD_LIB_OBJ = $(PD_LIB_SRC:.c=.o)
PD_SRC	= policyd/main.c policyd/server.c policyd/checks.c \
	  policyd/check_block.c policyd/check_rate.c
PD_OBJ	= $(PD_SRC:.c=.o)
CTL_SRC	= $(wildcard policyd/ctl_*.c) policyd/outpostctl.c
CTL_OBJ	= $(CTL_SRC:.c=.o)
# milter/ code shared by the milter and outpostctl test-message
MF_LIB_SRC = milter/codec.c milter/addrlist.c milter/mime.c milter/attach.c \
	  milter/sender.c milter/verdict.c milter/spool.c milter/rspamd.c \
	  milter/score.c milter/domain.c
MF_LIB_OBJ = $(MF_LIB_SRC:.c=.o)
MF_SRC	= milter/main.c milter/callbacks.c
MF_OBJ	= $(MF_SRC:.c=.o)
LIBS	= policyd/libpd.a milter/libmf.a common/libcommon.a

PROGS	= policyd/outpost-policyd policyd/outpostctl milter/outpost-milter
UNIT_SRC = $(wildcard tests/unit/*_test.c)
UNIT_BIN = $(UNIT_SRC:.c=)

all: $(PROGS)

common/libcommon.a: $(COMMON_OBJ)
	$(AR) rcs $@ $^

policyd/libpd.a: $(PD_LIB_OBJ)
	$(AR) rcs $@ $^

policyd/outpost-policyd: $(PD_OBJ) policyd/libpd.a common/libcommon.a
	$(CC) $(OUTPOST_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_COMMON)

milter/libmf.a: $(MF_LIB_OBJ)
	$(AR) rcs $@ $^

policyd/outpostctl: $(CTL_OBJ) $(LIBS)
	$(CC) $(OUTPOST_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_CTL)

milter/outpost-milter: $(MF_OBJ) milter/libmf.a common/libcommon.a
	$(CC) $(OUTPOST_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_MILTER)

%.o: %.c $(wildcard common/*.h policyd/*.h milter/*.h)
	$(CC) $(OUTPOST_CFLAGS) $(CFLAGS) -c -o $@ $<

tests/unit/%_test: tests/unit/%_test.c tests/unit/testutil.o $(LIBS)
	$(CC) $(OUTPOST_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS_TEST)

unit: $(UNIT_BIN) tests/unit/mime_names

# mime_test includes mime_names.c (the driver the Python cross-check uses).
tests/unit/mime_test: tests/unit/mime_test.c tests/unit/mime_names.c \
	    tests/unit/testutil.o $(LIBS)
	$(CC) $(OUTPOST_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< \
	    tests/unit/testutil.o $(LIBS) -lcmocka $(LDLIBS_TEST)

tests/unit/mime_names: tests/unit/mime_names.c milter/libmf.a common/libcommon.a
	$(CC) $(OUTPOST_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_COMMON)

tests/bench/mime_bench: tests/bench/mime_bench.c milter/libmf.a common/libcommon.a
	$(CC) $(OUTPOST_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_COMMON)

tests/bench/keysort_bench: tests/bench/keysort_bench.c common/libcommon.a
	$(CC) $(OUTPOST_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_COMMON)

# fuzz: build every libFuzzer target (clang, libfuzzer-14-dev) and run each
# for FUZZ_SECONDS on its seed corpus.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	-Icommon -Imilter -Ipolicyd
tests/fuzz/%: tests/fuzz/%.c $(MF_LIB_SRC) $(COMMON_SRC)
	clang $(FUZZ_CFLAGS) -o $@ $< $(MF_LIB_SRC) $(COMMON_SRC) -llmdb -lpthread -lm \
	    -lcurl -ljansson

tests/fuzz/bounce_parse: tests/fuzz/bounce_parse.c policyd/bounce.c \
	    policyd/bounce_msg.c policyd/bounce_log.c $(MF_LIB_SRC) $(COMMON_SRC)
	clang $(FUZZ_CFLAGS) -o $@ $^ -llmdb -lpthread -lm -lcurl -ljansson

# New inputs go to tests/fuzz/corpus-*, never into the seed directories.
fuzz: tests/fuzz/mime_parse tests/fuzz/addrlist_parse tests/fuzz/rspamd_reply \
	    tests/fuzz/bounce_parse
	mkdir -p tests/fuzz/corpus-mime tests/fuzz/corpus-rspamd \
	    tests/fuzz/corpus-bounce
	tests/fuzz/mime_parse -max_total_time=$(FUZZ_SECONDS) \
	    tests/fuzz/corpus-mime tests/data/mime
	tests/fuzz/addrlist_parse -max_total_time=$(FUZZ_SECONDS)
	tests/fuzz/rspamd_reply -max_total_time=$(FUZZ_SECONDS) \
	    tests/fuzz/corpus-rspamd tests/data/rspamd
	tests/fuzz/bounce_parse -max_total_time=$(FUZZ_SECONDS) \
	    tests/fuzz/corpus-bounce tests/data/bounces

# check: install what the tests need, build, run every test, one summary.
check:
	tests/run-all

# asan: the same suite against an AddressSanitizer + UBSan build.
asan:
	$(MAKE) clean
	$(MAKE) all unit tests/table/table_query CFLAGS="-O1 -g \
	    -fsanitize=address,undefined \
	    -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined"
	OUTPOST_NO_BUILD=1 tests/run-all

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(PROGS) $(DESTDIR)$(SBINDIR)/
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 man/*.8 $(DESTDIR)$(MANDIR)/man8/

clean:
	rm -f common/*.o common/*.a policyd/*.o policyd/*.a milter/*.o \
	    tests/unit/*.o \
	    milter/*.a $(PROGS) \
	    $(UNIT_BIN) tests/table/table_query tests/unit/mime_names \
	    tests/bench/mime_bench tests/bench/keysort_bench tests/fuzz/mime_parse tests/fuzz/addrlist_parse \
	    tests/fuzz/rspamd_reply tests/fuzz/bounce_parse

.PHONY: all check asan install clean unit fuzz

tests/table/table_query: tests/table/table_query.c common/libcommon.a
	$(CC) $(OUTPOST_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_COMMON)

# demo: a loopback Postfix with outpost-policyd plugged in, left running.
demo: all
	tests/install-deps
	contrib/demo/outpost-demo
.PHONY: demo
