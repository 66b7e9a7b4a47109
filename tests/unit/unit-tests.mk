# Unit tests that link siosteer's own objects (included by the top-level Makefile). Each
# is a build/tests/test_* binary, run by tests/run.sh; the rest of tests/unit/test_*.c are
# stand-alone and built by the generic rule in the Makefile.

# The Redis URL parser (userspace/emit/redis_url.c) alone.
$(BUILD)/tests/test_redis_url: tests/unit/test_redis_url.c $(BUILD)/obj/userspace/emit/redis_url.o
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(filter-out -I%,$(CFLAGS)) $(INC_emit) -o $@ $^ $(REDIS_LIBS)

# The emit library against @socket.io/redis-emitter's bytes (emit_golden.h).
$(BUILD)/tests/test_emit_golden: tests/unit/test_emit_golden.c tests/unit/emit_golden.h \
		$(BUILD)/libsiosteer_emit.a
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(filter-out -I%,$(CFLAGS)) $(INC_emit) -Itests/unit -o $@ $< \
		$(BUILD)/libsiosteer_emit.a $(REDIS_LIBS) -lm

# Drain and weights: control map -> weights -> Maglev table (loader, agent's applier).
TEST_WEIGHTS_OBJS := $(filter $(BUILD)/obj/userspace/common/% $(BUILD)/obj/loader/%,\
	$(SIOSTEER_OBJS)) $(BUILD)/obj/userspace/agent/control_apply.o \
	$(BUILD)/obj/userspace/agent/learn_watch.o
$(BUILD)/tests/test_weights: tests/unit/test_weights.c $(TEST_WEIGHTS_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(filter-out -I%,$(CFLAGS)) $(INC_agent) -o $@ $^ $(LDLIBS)
