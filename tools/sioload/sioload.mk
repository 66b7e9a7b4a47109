# sioload — Socket.IO load generator. Included by the top-level Makefile; also works alone:
#   make -f tools/sioload/sioload.mk [V=1] [BUILD=build]
# Builds $(BUILD)/sioload from tools/sioload/*.c (objects in $(BUILD)/obj/sioload/).

BUILD ?= build
ifeq ($(V),1)
Q ?=
else
Q ?= @
endif
CC ?= gcc

SIOLOAD_DIR    := tools/sioload
SIOLOAD_SRCS   := $(wildcard $(SIOLOAD_DIR)/*.c)
SIOLOAD_OBJS   := $(SIOLOAD_SRCS:$(SIOLOAD_DIR)/%.c=$(BUILD)/obj/sioload/%.o)
SIOLOAD_HDRS   := $(wildcard $(SIOLOAD_DIR)/*.h)
SIOLOAD_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -D_GNU_SOURCE $(CFLAGS_EXTRA)
SIOLOAD_LDLIBS := -lpthread -lm

.PHONY: sioload sioload-unit
sioload: $(BUILD)/sioload

# Parser/framing unit tests (run by tools/sioload/selftest.sh).
SIOLOAD_UNIT_OBJS := $(filter-out %/main.o %/conn.o %/session.o %/loop.o %/addr.o,$(SIOLOAD_OBJS))
sioload-unit: $(BUILD)/sioload-unit

# Part of the top-level `make` / `make all`.
all: $(BUILD)/sioload

$(BUILD)/obj/sioload/%.o: $(SIOLOAD_DIR)/%.c $(SIOLOAD_HDRS) $(SIOLOAD_DIR)/sioload.mk
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(SIOLOAD_CFLAGS) -c $< -o $@

$(BUILD)/sioload: $(SIOLOAD_OBJS)
ifneq ($(V),1)
	@printf '  %-8s %s\n' CC sioload
endif
	$(Q)$(CC) $(SIOLOAD_CFLAGS) -o $@ $(SIOLOAD_OBJS) $(SIOLOAD_LDLIBS)

$(BUILD)/sioload-unit: $(SIOLOAD_DIR)/tests/unit.c $(SIOLOAD_UNIT_OBJS) $(SIOLOAD_HDRS)
	$(Q)$(CC) $(SIOLOAD_CFLAGS) -I$(SIOLOAD_DIR) -o $@ $(SIOLOAD_DIR)/tests/unit.c $(SIOLOAD_UNIT_OBJS)
