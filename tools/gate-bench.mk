# gate-bench: BPF_PROG_TEST_RUN micro-benchmark of the XDP/tc gate (tools/gate-bench.c).
# Included by the top-level Makefile (part of `make`); tools/bench runs it.
GATE_BENCH := $(BUILD)/gate-bench

all: $(GATE_BENCH)

$(GATE_BENCH): tools/gate-bench.c $(BUILD)/gate.skel.h $(BPF_HDRS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)
