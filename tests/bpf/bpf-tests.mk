# BPF-level tests, built by `make test` (EXTRA_TEST_BINS): they load siosteer's programs
# or test programs into the kernel. build/tests/test_* binaries are run by tests/run.sh;
# the others are driven by tests/bpf/*.sh.

$(BUILD)/tests/sid_parse_test.bpf.o: tests/bpf/sid_parse_test.bpf.c bpf/sid_parse.h $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/tests/test_sid_parse_bpf: tests/bpf/test_sid_parse_bpf.c bpf/sid_parse.h $(BUILD)/tests/sid_parse_test.bpf.o
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit -o $@ $< -lbpf

$(BUILD)/tests/tw_reset_test: tests/bpf/tw_reset_test.c bpf/tw_reset.h $(BUILD)/tw_reset.bpf.o
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< -lbpf -lelf -lz

-include tests/bpf/fill_sids.mk

EXTRA_TEST_BINS += $(BUILD)/tests/test_sid_parse_bpf $(BUILD)/tests/tw_reset_test
