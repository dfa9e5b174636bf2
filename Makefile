# sockbox — one multicall binary; everything is built under $(BUILD)/.
#   make            build/sockbox and build/bin/<applet> symlinks
#   make check      unit (cmocka) and integration tests
#   make sanitize   the whole suite with ASan+UBSan, in build-san/
#   make install PREFIX=/usr/local DESTDIR=   /  make uninstall  /  make setcap
#   make bench      every scripts/bench/*.sh, one table (BENCH_FLAGS=--markdown: README's)
#   make fuzz FUZZ_SECONDS=N
#   make APPLETS="ping tcp_echo"   only those applets (default: all)
#   make size       stripped sizes by applet selection, in $(BUILD)-size/

BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR    = $(DESTDIR)$(PREFIX)/bin
MANDIR    = $(DESTDIR)$(PREFIX)/share/man/man1
VERSION  ?= 0.1.0
CC       ?= gcc
PKG_CONFIG ?= pkg-config

WARN     = -Wall -Wextra -Wshadow -Wconversion -Wsign-conversion \
           -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter
HARDEN   = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(HARDEN) $(CFLAGS) \
             -DSOCKBOX_VERSION='"$(VERSION)"' $(INCLUDES) -MMD -MP
# Layers (see README, ARCHITECTURE): lib/pure (no system calls), lib/sys
# (kernel and process glue), applets/echo (the echo family's engines and
# front-end), applets/ (one file per applet, main.c and the applet table).
INCLUDES = -Ilib/pure -Ilib/sys -Iapplets/echo -Iapplets
LDHARDEN = -pie -Wl,-z,relro,-z,now
CAP_LIBS    := $(shell $(PKG_CONFIG) --libs libcap 2>/dev/null || echo -lcap)
CAP_CFLAGS  := $(shell $(PKG_CONFIG) --cflags libcap 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
# libseccomp: headers through pkg-config; the library itself is dlopen()ed
# by lib/sys/sandbox.c at the end of an applet's set-up, so that starting
# an applet (ping --help) does not pay for loading it.
SECCOMP_CFLAGS := $(shell $(PKG_CONFIG) --cflags libseccomp 2>/dev/null)
# OpenSSL: headers only; lib/sys/tls dlopens libssl.so.3 on first use.
SSL_CFLAGS  := $(shell $(PKG_CONFIG) --cflags openssl 2>/dev/null)
ALL_CFLAGS += $(CAP_CFLAGS) $(SECCOMP_CFLAGS) $(SSL_CFLAGS)
LIBS     = $(CAP_LIBS) -lm

# Quiet build lines; V=1 shows the full commands.
Q = @
ifeq ($(V),1)
Q =
endif

ifeq ($(WERROR),1)
ALL_CFLAGS += -Werror
endif
ifeq ($(SAN),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDHARDEN   += -fsanitize=address,undefined
else
# Size: unused functions are dropped at link time, and no .eh_frame (C has
# no exceptions; with -g, gdb unwinds from .debug_frame instead).
ALL_CFLAGS += -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables
LDHARDEN   += -Wl,--gc-sections
# Compact relative relocations (DT_RELR: binutils >= 2.38, glibc >= 2.36):
# a PIE's pointer tables (options, applets, JSON keys) need one 24-byte
# relocation per pointer without it, about 21 KiB here.
LDHARDEN   += $(shell printf 'int main(void){return 0;}' | $(CC) -x c - -o /dev/null \
                -pie -Wl,-z,pack-relative-relocs -Wl,--fatal-warnings 2>/dev/null && \
                echo -Wl,-z,pack-relative-relocs)
endif

LIB_SRC    := $(wildcard lib/pure/*.c lib/sys/*.c applets/echo/*.c)
# Build-time applet selection, as busybox's and toybox's configurations:
# make APPLETS="ping tcp_echo" links only those applets (named by their
# source files); main.c's table references applets weakly, so the rest
# drop out with the library code only they use.  Default: all of them.
ALL_APPLETS := $(basename $(notdir $(filter-out applets/main.c,$(wildcard applets/*.c))))
APPLETS    ?= $(ALL_APPLETS)
ifneq ($(filter-out $(ALL_APPLETS),$(APPLETS)),)
$(error unknown applet(s) in APPLETS: $(filter-out $(ALL_APPLETS),$(APPLETS)) (known: $(ALL_APPLETS)))
endif
APPLET_SRC := $(APPLETS:%=applets/%.c)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/%.o)
APPLET_OBJ := $(APPLET_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ   := $(BUILD)/applets/main.o
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
MANPAGES   := $(wildcard man/*.1 man/*.7)

.PHONY: FORCE lint all check unit integration sanitize install uninstall setcap bench \
        fuzz clean size
all: $(BUILD)/sockbox $(BUILD)/bin/.stamp

# Rebuild everything when the compiler flags change (WERROR=1, SAN=1, ...).
$(BUILD)/.cflags: FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(ALL_CFLAGS) $(LDHARDEN)' | cmp -s - $@ || echo '$(CC) $(ALL_CFLAGS) $(LDHARDEN)' > $@

# Size: only the data paths are built for speed with $(CFLAGS) (the echo
# engines, the event loop and socket glue, the HTTP parser and transfer,
# TLS reads, ping's send/receive and its accounting, sock_diag decoding);
# everything else (option handling, set-up, help, formatting, reports,
# the filter language, selftest) is built with -Os.  Sanitizer builds keep
# their own flags everywhere.
SPEED_SRC := $(wildcard applets/echo/*.c) applets/http_get.c applets/ping.c \
             applets/udp_echo.c applets/tcp_echo.c applets/uds_echo.c \
             $(addprefix lib/sys/,loop.c net.c transport.c sockdiag.c clock.c) \
             $(addprefix lib/pure/,http_parse.c icmp.c pingseq.c seqtrack.c \
               stats.c echo_buf.c tcp_track.c diag_msg.c json.c)
SIZE_OBJ := $(if $(filter 1,$(SAN)),,$(filter-out $(SPEED_SRC:%.c=$(BUILD)/%.o),\
            $(LIB_OBJ) $(APPLET_OBJ) $(MAIN_OBJ)))

$(BUILD)/%.o: %.c $(BUILD)/.cflags
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(if $(filter $@,$(SIZE_OBJ)),-Os) -c -o $@ $<

$(BUILD)/libsockbox.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

# Relink when the selection changes.
$(BUILD)/.applets: FORCE
	@mkdir -p $(@D)
	@echo '$(APPLETS)' | cmp -s - $@ || echo '$(APPLETS)' > $@

$(BUILD)/sockbox: $(MAIN_OBJ) $(APPLET_OBJ) $(BUILD)/libsockbox.a $(BUILD)/.applets
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDHARDEN) -o $@ $(MAIN_OBJ) $(APPLET_OBJ) $(BUILD)/libsockbox.a $(LIBS)

$(BUILD)/bin/.stamp: $(BUILD)/sockbox
	@rm -rf $(BUILD)/bin && mkdir -p $(BUILD)/bin
	@for a in $$($(BUILD)/sockbox --list); do ln -s ../sockbox $(BUILD)/bin/$$a; done
	@touch $@

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libsockbox.a $(BUILD)/.cflags
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -MF $@.d $(LDHARDEN) -o $@ $< $(BUILD)/libsockbox.a $(CMOCKA_LIBS) $(LIBS)

unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do echo "== $$t"; $$t || fail=1; done; exit $$fail

integration: all
	SOCKBOX=$(abspath $(BUILD))/sockbox SOCKBOX_BIN=$(abspath $(BUILD))/bin \
	  tests/integration/run $(TESTS)

check: all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory integration

sanitize:
	$(MAKE) BUILD=build-san SAN=1 CFLAGS="-O1 -g" check

install: all
	mkdir -p $(BINDIR) $(MANDIR) $(MANDIR:man1=man7)
	install -m 0755 $(BUILD)/sockbox $(BINDIR)/sockbox
	for a in $$($(BUILD)/sockbox --list); do ln -sf sockbox $(BINDIR)/$$a; done
	for m in $(MANPAGES); do install -m 0644 $$m $(MANDIR:man1=man$${m##*.})/; done

uninstall:
	for a in $$($(BUILD)/sockbox --list); do \
	  if [ -L $(BINDIR)/$$a ]; then rm -f $(BINDIR)/$$a; fi; done
	rm -f $(BINDIR)/sockbox
	for m in $(notdir $(MANPAGES)); do rm -f $(MANDIR:man1=man$${m##*.})/$$m; done

setcap:
	setcap cap_net_raw+p $(BINDIR)/sockbox

# Stripped sizes by applet selection (make APPLETS=...), checked: scripts/size
size:
	$(Q)SIZE_BUILD=$(BUILD)-size scripts/size

bench: all
	$(Q)SOCKBOX=$(abspath $(BUILD))/sockbox scripts/bench/run $(BENCH_FLAGS)

# Each tool's own exit status counts (a missing or crashing tool fails
# lint), and so does any warning clang-tidy prints.
lint:
	@for t in cppcheck clang-tidy; do command -v $$t >/dev/null || \
	  { echo "lint: $$t not found (scripts/install-deps installs it)" >&2; exit 1; }; done
	cppcheck --quiet --enable=warning,portability,performance --std=c11 \
	  -D_GNU_SOURCE $(INCLUDES) --error-exitcode=1 --inline-suppr lib applets
	@mkdir -p $(BUILD)
	clang-tidy --quiet $(LIB_SRC) applets/main.c $(APPLET_SRC) -- -std=c11 \
	  -D_GNU_SOURCE $(INCLUDES) -DSOCKBOX_VERSION='"lint"' >$(BUILD)/lint-tidy.log 2>&1; \
	  rc=$$?; cat $(BUILD)/lint-tidy.log; \
	  if [ $$rc != 0 ]; then echo "lint: clang-tidy exited $$rc" >&2; exit 1; fi; \
	  if grep -qE 'error:|warning:' $(BUILD)/lint-tidy.log; then echo "lint: clang-tidy warnings" >&2; exit 1; fi

fuzz:
	$(MAKE) -f tests/fuzz/Makefile SHELL=/bin/bash FUZZ_SECONDS=$(or $(FUZZ_SECONDS),30)

FORCE:

clean:
	rm -rf build build-san build-fuzz build-size

-include $(wildcard $(BUILD)/lib/*/*.d $(BUILD)/applets/*.d $(BUILD)/applets/*/*.d $(BUILD)/tests/*.d)
