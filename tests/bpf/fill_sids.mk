# fill_sids: fills a port's pinned learned-sessions map (tests/ns/sid_capacity.sh).
# Included by the top-level Makefile (-include tests/bpf/fill_sids.mk); also works alone:
#   make -f tests/bpf/fill_sids.mk [BUILD=build] [V=1]
BUILD ?= build
ifeq ($(V),1)
Q ?=
else
Q ?= @
endif
CC ?= gcc

.PHONY: fill_sids
fill_sids: $(BUILD)/tests/fill_sids

EXTRA_TEST_BINS += $(BUILD)/tests/fill_sids

$(BUILD)/tests/fill_sids: tests/bpf/fill_sids.c bpf/siosteer.h bpf/sid_parse.h tests/bpf/fill_sids.mk
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) -O2 -g -Wall -Wextra -Wno-unused-parameter -std=gnu11 -Ibpf -o $@ tests/bpf/fill_sids.c -lbpf
