# The selector alone (tests/bpf/test_select.c): loads $(BUILD)/select.bpf.o, drives it
# with loopback connections. Included by the top-level Makefile; run by tests/run.sh.
$(BUILD)/tests/test_select: tests/bpf/test_select.c tests/unit/unit_check.h loader/maglev.c loader/maglev.h $(BPF_HDRS) \
		$(BUILD)/select.bpf.o
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(filter-out -I%,$(CFLAGS)) -Ibpf -Iloader -Itests/unit -o $@ tests/bpf/test_select.c \
		loader/maglev.c -lbpf -lelf -lz

EXTRA_TEST_BINS += $(BUILD)/tests/test_select
