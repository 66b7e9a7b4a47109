# TIME_WAIT reset: the tc program and its stand-alone test loader (tests/bpf/tw_reset.sh).
# Included by the main Makefile (which makes $(BUILD)/vmlinux.h); works alone as well:
#   make -f tests/bpf/tw-reset.mk [BUILD=build] [V=1]
BUILD ?= build
ifeq ($(V),1)
Q     ?=
else
Q     ?= @
endif
CLANG ?= clang
TW_ARCH       ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
TW_BPF_CFLAGS ?= -O2 -g -target bpf -D__TARGET_ARCH_$(TW_ARCH) -I$(BUILD) -Ibpf $(CFLAGS_EXTRA)
TW_CFLAGS     ?= -O2 -g -Wall -Wextra -Wno-unused-parameter -std=gnu11 -Ibpf $(CFLAGS_EXTRA)
TW_LDLIBS     ?= -lbpf -lelf -lz

TW_RESET_BINS := $(BUILD)/tw_reset.bpf.o $(BUILD)/tests/tw_reset_test
# `make test` builds these before running tests/run.sh.
EXTRA_TEST_BINS += $(TW_RESET_BINS)

.PHONY: tw-reset
tw-reset: $(TW_RESET_BINS)

$(BUILD)/tw_reset.bpf.o: bpf/tw_reset.bpf.c bpf/tw_reset.h $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(TW_BPF_CFLAGS) -c $< -o $@

$(BUILD)/tests/tw_reset_test: tests/bpf/tw_reset_test.c bpf/tw_reset.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(TW_CFLAGS) -o $@ $< $(TW_LDLIBS)

# Used alone: nothing else makes vmlinux.h (the main Makefile defines BPF_CFLAGS and a rule).
ifeq ($(origin BPF_CFLAGS),undefined)
$(BUILD)/vmlinux.h:
	$(Q)mkdir -p $(BUILD)
	$(Q)test -r /sys/kernel/btf/vmlinux || { echo "kernel has no BTF (/sys/kernel/btf/vmlinux)" >&2; exit 1; }
	$(Q)bpftool btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@
endif
