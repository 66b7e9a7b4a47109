# siosteer — build, test and demo. `make` is quiet; `make V=1` shows every command.
#
#   make            build build/siosteer (and the tools)
#   make deps       install missing Debian and npm packages (idempotent)
#   make test       deps + build + unit, BPF and network-namespace tests
#   make demo       deps + build + a 4-worker Socket.IO cluster behind siosteer
#   make vmtest     the test suite inside Debian's own kernels under qemu (KERNELS="6.1 6.12")
#   make fuzz       libFuzzer run of the sid parser (not part of `make test`)
#   make man        build/siosteer.8 from docs/siosteer.8.scd (scdoc)
#   make install    siosteer, its man page, the emit library and header under $(DESTDIR)$(PREFIX)
#   make uninstall  remove what `make install` put there

SHELL   := /bin/bash
BUILD   ?= build
CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool
ARCH    := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif
export Q BUILD

CFLAGS_EXTRA ?=
CFLAGS  ?= -O2 -g
CFLAGS  += -Wall -Wextra -Wno-unused-parameter -std=gnu11 -I$(BUILD) -Ibpf $(CFLAGS_EXTRA)
BPF_CFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Ibpf $(CFLAGS_EXTRA)
LDLIBS  := $(shell pkg-config --libs libbpf libxdp 2>/dev/null || echo -lbpf -lxdp) -lcap -lelf -lz
# Redis bridge and emit: hiredis, msgpack-c (pkg name msgpack, msgpack-c from 6.0), jansson.
REDIS_LIBS := $(shell pkg-config --libs hiredis 2>/dev/null || echo -lhiredis) \
	$(shell pkg-config --libs msgpack-c 2>/dev/null || pkg-config --libs msgpack 2>/dev/null || \
		echo -lmsgpackc) \
	$(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson)
LDLIBS  += $(REDIS_LIBS) -lpthread -lm

BPF_PROGS := select learn gate tw_reset repair cookie
BPF_OBJS  := $(BPF_PROGS:%=$(BUILD)/%.bpf.o)
SKELS     := $(BPF_PROGS:%=$(BUILD)/%.skel.h)
BPF_HDRS  := $(wildcard bpf/*.h)

# Layers, from the bottom: each may include only its own headers and those of the layers
# below it, which its -I list enforces (there is no #include "../").
#   bpf/               BPF programs and the headers they share with user space (the ABI)
#   userspace/common/  logging, clocks
#   loader/            load, pin, adopt, tables, Maglev, tc/XDP, syncookies (loader.h)
#   userspace/emit/    the C emit library (public header: include/siosteer_emit.h)
#   userspace/agent/   supervisor, listeners, drain/weight applier, Redis bridge
#   userspace/cli/     the siosteer command: option table, one file per command
INC_bpf    := -I$(BUILD) -Ibpf
INC_common := -Iuserspace/common
INC_loader := $(INC_bpf) $(INC_common) -Iloader
INC_emit   := -Iinclude -Iuserspace/emit
INC_agent  := $(INC_loader) $(INC_emit) -Iuserspace/agent
INC_cli    := $(INC_agent) -Iuserspace/cli
LAYERS     := userspace/common loader userspace/emit userspace/agent userspace/cli
$(BUILD)/obj/userspace/common/%.o: INC := $(INC_common)
$(BUILD)/obj/loader/%.o: INC := $(INC_loader)
$(BUILD)/obj/userspace/emit/%.o: INC := $(INC_emit)
$(BUILD)/obj/userspace/agent/%.o: INC := $(INC_agent)
$(BUILD)/obj/userspace/cli/%.o: INC := $(INC_cli)

SIOSTEER_SRCS := $(foreach l,$(LAYERS),$(wildcard $(l)/*.c))
SIOSTEER_OBJS := $(SIOSTEER_SRCS:%.c=$(BUILD)/obj/%.o)

.PHONY: all deps test test-bins vmtest demo clean format check-format check-layers man install uninstall
# Keep BPF objects and skeletons: they are inputs of several rules.
.SECONDARY:
all: $(BPF_OBJS) $(SKELS) $(BUILD)/siosteer $(BUILD)/libsiosteer_emit.a

$(BUILD)/vmlinux.h:
	$(call msg,BTF,$@)
	$(Q)mkdir -p $(BUILD)
	$(Q)test -r /sys/kernel/btf/vmlinux || { echo "siosteer: kernel has no BTF (/sys/kernel/btf/vmlinux); needs CONFIG_DEBUG_INFO_BTF=y" >&2; exit 1; }
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

# -MMD -MP: each object depends on exactly the headers it includes. The skeletons come
# first (order-only): the loader's sources include them.
$(BUILD)/obj/%.o: %.c | $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(filter-out -I%,$(CFLAGS)) $(INC) -MMD -MP -c $< -o $@
-include $(SIOSTEER_OBJS:.o=.d)

$(BUILD)/siosteer: $(SIOSTEER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The C emit API for workers (include/siosteer_emit.h): link with $(REDIS_LIBS).
EMIT_LIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard userspace/emit/*.c))
$(BUILD)/libsiosteer_emit.a: $(EMIT_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# Unit tests: plain C, one binary per tests/unit/test_*.c.
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
$(BUILD)/tests/test_maglev: tests/unit/test_maglev.c loader/maglev.c $(BPF_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Iloader -o $@ tests/unit/test_maglev.c loader/maglev.c
$(BUILD)/tests/%: tests/unit/%.c $(BPF_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Ibpf -o $@ $<

-include tools/sioload/sioload.mk
-include tests/fuzz/fuzz.mk
-include tests/bpf/bpf-tests.mk
-include tests/unit/unit-tests.mk
-include tests/bpf/select-test.mk
-include tests/bpf/cookie-forge.mk
-include tools/gate-bench.mk

# The man page: one source, docs/siosteer.8.scd. Its date is the source's last commit, so
# the output does not change with the day it is built.
SCDOC ?= scdoc
man: $(BUILD)/siosteer.8
$(BUILD)/siosteer.8: docs/siosteer.8.scd
	$(call msg,SCDOC,$@)
	$(Q)mkdir -p $(BUILD)
	$(Q)command -v $(SCDOC) >/dev/null || { echo "siosteer: $(SCDOC) not found (make deps installs it)" >&2; exit 1; }
	$(Q)sde=$${SOURCE_DATE_EPOCH:-$$(git log -1 --format=%ct -- $< 2>/dev/null)}; \
		if [ -n "$$sde" ]; then export SOURCE_DATE_EPOCH=$$sde; else unset SOURCE_DATE_EPOCH; fi; \
		$(SCDOC) < $< > $@.tmp && mv $@.tmp $@

PREFIX  ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
LIBDIR  ?= $(PREFIX)/lib
INCDIR  ?= $(PREFIX)/include
INSTALLED := $(SBINDIR)/siosteer $(MANDIR)/man8/siosteer.8 $(LIBDIR)/libsiosteer_emit.a \
	$(INCDIR)/siosteer_emit.h

install: all man
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -D -m 755 $(BUILD)/siosteer $(DESTDIR)$(SBINDIR)/siosteer
	$(Q)install -D -m 644 $(BUILD)/siosteer.8 $(DESTDIR)$(MANDIR)/man8/siosteer.8
	$(Q)install -D -m 644 $(BUILD)/libsiosteer_emit.a $(DESTDIR)$(LIBDIR)/libsiosteer_emit.a
	$(Q)install -D -m 644 include/siosteer_emit.h $(DESTDIR)$(INCDIR)/siosteer_emit.h

uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(addprefix $(DESTDIR),$(INSTALLED))

deps:
	$(Q)tools/install-deps.sh

test: deps check-layers check-format
	$(Q)$(MAKE) --no-print-directory test-bins
	$(Q)tests/run.sh

# The kernel matrix: boot each Debian kernel package under qemu (tools/vmtest) and run
# tools/vmtest.d/suite.sh in it. Slow under TCG (see README.md, 'Kernels'), so not part of
# `make test`. VMTEST_TESTS="ns/addr_run ..." runs other tests/run.sh patterns.
KERNELS ?= 6.1 6.12
vmtest: deps test-bins
	$(Q)tools/vmtest.d/matrix.sh $(KERNELS)

# Everything tests/run.sh runs, built (on the host: the VM matrix runs the same binaries).
test-bins: all $(UNIT_TESTS) $(EXTRA_TEST_BINS)

# The layer rule: a source reaches another folder only through its -I list, never "../".
check-layers:
	$(Q)! grep -rn '#include "\.\./' bpf loader userspace include tests tools \
		--include='*.[ch]' --exclude-dir=node_modules || \
		{ echo "siosteer: the includes above climb out of their layer" >&2; exit 1; }

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/demo.sh

# The C that .clang-format governs (sioload keeps its own layout).
FORMAT_SRCS = $(shell git ls-files 'bpf/*.[ch]' 'loader/*.[ch]' 'userspace/*.[ch]' 'include/*.h' \
		'tests/unit/*.[ch]' 'tests/bpf/*.[ch]' tools/gate-bench.c 2>/dev/null)
format:
	$(Q)clang-format -i $(FORMAT_SRCS)

# Part of `make test`: every file as clang-format would write it.
check-format:
	$(call msg,FORMAT,$(words $(FORMAT_SRCS)) files)
	$(Q)bad=$$(for f in $(FORMAT_SRCS); do clang-format "$$f" | cmp -s - "$$f" || echo "$$f"; done); \
	[ -z "$$bad" ] || { echo "siosteer: not formatted (make format): $$bad" >&2; exit 1; }

clean:
	$(Q)rm -rf $(BUILD)

