# libFuzzer run of the sid parsers (bpf/sid_parse.h): `make fuzz` once the main Makefile
# includes this file, or standalone from the repository root:
#   make -f tests/fuzz/fuzz.mk fuzz [FUZZ_RUNS=1000000] [BUILD=build] [Q=]
# Builds $(BUILD)/fuzz/fuzz_sid_parse with clang-14 and -fsanitize=fuzzer,address,undefined,
# runs FUZZ_RUNS executions over tests/fuzz/seeds plus the corpus it grows in
# $(BUILD)/fuzz/corpus, and prints libFuzzer's summary; the full log is $(BUILD)/fuzz/fuzz.log
# and a crashing input is saved as $(BUILD)/fuzz/crash-*. Not part of `make test`.

BUILD ?= build
Q ?= @
FUZZ_CC ?= clang-14
FUZZ_RUNS ?= 1000000
# Longer inputs only add bytes past the 1 KiB reply window.
FUZZ_MAX_LEN ?= 1400
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_BIN := $(FUZZ_DIR)/fuzz_sid_parse

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BIN)

$(FUZZ_BIN): tests/fuzz/fuzz_sid_parse.c bpf/sid_parse.h
	@mkdir -p $(FUZZ_DIR)
	$(Q)$(FUZZ_CC) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Ibpf -o $@ tests/fuzz/fuzz_sid_parse.c

fuzz: $(FUZZ_BIN)
	@mkdir -p $(FUZZ_DIR)/corpus
	$(Q)log=$(FUZZ_DIR)/fuzz.log; \
	if $(FUZZ_BIN) -runs=$(FUZZ_RUNS) -max_len=$(FUZZ_MAX_LEN) -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_DIR)/ $(FUZZ_DIR)/corpus tests/fuzz/seeds >$$log 2>&1; then \
		grep -E '^(Done|stat::)' $$log; \
	else \
		tail -n 30 $$log; echo "fuzz: FAILED (log: $$log)"; exit 1; \
	fi
