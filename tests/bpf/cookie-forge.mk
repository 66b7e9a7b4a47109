# cookie_forge: raw SYN floods and forged cookies for tests/ns/sid_cookie_flood.sh, built
# from the same cookie_hash.h as the BPF program. Included by the top-level Makefile.
EXTRA_TEST_BINS += $(BUILD)/tests/cookie_forge

$(BUILD)/tests/cookie_forge: tests/bpf/cookie_forge.c bpf/cookie_hash.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) -O2 -g -Wall -Wextra -Wno-unused-parameter -std=gnu11 -Ibpf -o $@ $<
