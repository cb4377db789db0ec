# forkchaos: one entry point.  `make` builds into build/, `make check` runs
# every test, `make demo` runs the default campaign into results/latest/.
# Quiet by default; V=1 shows the commands.  SAN=address,undefined builds the
# host-side programs (runner, Criterion tests) with sanitizers; the preloaded
# shim and the programs run under it stay unsanitized, because a sanitizer
# runtime must come first in a process and a preload library cannot be first.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   := build
CC      ?= cc
V       ?= 0
SAN     ?=

ifeq ($(V),0)
Q   := @
say  = @printf '  %-6s %s\n' $(1) $(2)
else
Q   :=
say  = @true
endif

WARN     := -Wall -Wextra -Wno-unused-parameter
OPT      ?= -O2 -g
CFLAGS   ?= $(OPT)
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) $(CFLAGS)
ifneq ($(SAN),)
SAN_FLAGS := -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
# A sanitized tree of its own, so objects of two builds never mix:
# build/san (address,undefined), build/san-thread (thread), ...
comma := ,
BUILD := build/san$(if $(filter-out address$(comma)undefined,$(SAN)),-$(subst $(comma),-,$(SAN)))
endif
# Host side: the runner and the Criterion binaries (sanitizable).
HOST_CFLAGS  := $(BASE_CFLAGS) $(SAN_FLAGS)
HOST_LDFLAGS := $(SAN_FLAGS) $(LDFLAGS)
# SAN=thread: Criterion's arena moved where TSan lets it be (see the file)
ifneq ($(filter thread,$(subst $(comma), ,$(SAN))),)
HOST_LDFLAGS += $(CURDIR)/tests/tsan_criterion.c
endif
# Target side: the shim, libffd and the programs that run under the shim.
TARGET_CFLAGS := $(BASE_CFLAGS) -fPIC

TESTS   :=
TARGETS :=

.PHONY: all deps check demo demo-quick bench replay stress stress-quick install uninstall clean defects format format-check stack-budget explore-matrix
all: deps build-all

include inject/inject.mk
include runner/runner.mk
include lib/lib.mk
include tests/tests.mk
include bench/bench.mk
include scenarios/scenarios.mk
include fuzz/fuzz.mk
include tests/sanitizers.mk
include man/man.mk
include scripts/install.mk

.PHONY: build-all
build-all: $(ALL_OUTPUTS)

deps:
	$(Q)sh scripts/deps.sh

check: deps build-all defects format-check stack-budget
	$(Q)BUILD=$(BUILD) sh scripts/check.sh $(TESTS)

# One style for every C file (.clang-format); format-check fails on any
# file that `make format` would change.
FORMAT_SRCS = $(wildcard fuzz/*.[ch] lib/*.[ch] inject/*.[ch] runner/*.[ch] scenarios/*/*.[ch] tests/*.[ch] tests/*/*.[ch] bench/*.[ch])
format:
	$(Q)clang-format -i $(FORMAT_SRCS)

# The deepest stack the shim takes on any path a signal handler can take
# (GCC's -fcallgraph-info): it must leave room on a legacy 8 KiB altstack
# for the kernel's signal frame and the handler's own.
stack-budget: build-all
	$(call say,STACK,$(BUILD)/obj/inject)
	$(Q)python3 scripts/stack-budget.py 3584 $(BUILD)/obj/inject

format-check:
	$(call say,FORMAT,check)
	$(Q)clang-format --dry-run -Werror $(FORMAT_SRCS)

demo: deps build-all defects
	$(Q)BUILD=$(BUILD) sh scripts/demo.sh
# The same folder from tiny campaigns (~15 s): every file, little data.
demo-quick: deps build-all defects
	$(Q)BUILD=$(BUILD) DEMO_LEAK_CYCLES=500 DEMO_LATENCY_CHILDREN=100 DEMO_REPEAT=1 \
		DEMO_FILTER='*-leak' DEMO_SWEEP_MAX_N=1 DEMO_BENCH_RUN=0 sh scripts/demo.sh

bench: deps build-all defects
	$(Q)sh scripts/bench.sh

# Each window scenario fails N/N runs on its defect, 0/N on the fix (N=20).
replay: deps build-all defects
	$(Q)sh scripts/replay.sh

# explore's automatic mutation score: no plan, ffdriver workload against
# the fixed libffd and each seeded defect (BUDGET=60s each; about 15 min).
explore-matrix: deps build-all defects
	$(Q)BUILD=$(BUILD) sh scripts/explore-matrix.sh

# Issue 9's race reproducers, N runs each (N=200): k/N per reproducer, and
# exit 1 if any showed its bug.  stress-quick: N=10, for make check.
stress: deps build-all
	$(Q)BUILD=$(BUILD) sh scripts/stress.sh
stress-quick: deps build-all
	$(Q)BUILD=$(BUILD) N=10 sh scripts/stress.sh

clean:
	$(Q)rm -rf $(BUILD)

$(BUILD)/%/.dir:
	$(Q)mkdir -p $(@D) && touch $@
