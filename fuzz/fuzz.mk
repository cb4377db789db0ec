# Fuzzing (fuzz/README.md).  `make fuzz` builds each target with clang's
# libFuzzer and AddressSanitizer/UBSan and fuzzes it FUZZ_SECONDS (60) from
# its corpus in the tree (fuzz/corpus/NAME/); an input that breaks it is
# saved in fuzz/crashes/NAME/ and the run fails.  `make fuzz-replay` (run by
# `make check`) runs the same targets once over each corpus, built with the
# ordinary compiler and SAN= as the rest of the host side: no clang needed.
FUZZ_TARGETS := plan scenario trace baseline report
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_BUILD := build/fuzz
# every runner file but main(), and the plan parser: an archive, so each
# target links only what it reaches
FUZZ_LIB_SRCS := $(filter-out runner/main.c,$(RUNNER_SRCS)) $(PLAN_SRCS)
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := $(BASE_CFLAGS) $(FUZZ_SAN) -Iinject -Irunner -Ifuzz -I$(BUILD)/gen
FUZZ_BINS := $(patsubst %,$(FUZZ_BUILD)/%,$(FUZZ_TARGETS))
FUZZ_REPLAY_BINS := $(patsubst %,$(BUILD)/fuzz-replay/%,$(FUZZ_TARGETS))
FUZZ_DEPS := fuzz/fuzz.h inject/*.h inject/*.def runner/*.h runner/oracles.def lib/windows.def $(GEN_SYSNAMES)

ALL_OUTPUTS += $(FUZZ_REPLAY_BINS)
.PHONY: fuzz fuzz-replay fuzz-build fuzz-merge

# ---- libFuzzer builds (clang): coverage on everything the target reaches
$(FUZZ_BUILD)/obj/%.o: %.c $(FUZZ_DEPS)
	$(call say,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/librunner.a: $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(FUZZ_LIB_SRCS))
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/%: $(FUZZ_BUILD)/obj/fuzz/fuzz_%.o $(FUZZ_BUILD)/obj/fuzz/fuzz_util.o $(FUZZ_BUILD)/librunner.a
	$(call say,LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(RUNNER_LIBS)

# kept: make deletes the objects of a pattern chain, then rebuilds them
.PRECIOUS: $(FUZZ_BUILD)/obj/%.o
fuzz-build: $(FUZZ_BINS)

fuzz: deps fuzz-build
	$(Q)FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) sh fuzz/fuzz.sh $(FUZZ_TARGETS)

# What a campaign found, minimized into the corpus in the tree (commit it).
fuzz-merge: fuzz-build
	$(Q)FUZZ_BUILD=$(FUZZ_BUILD) sh fuzz/fuzz.sh --merge $(FUZZ_TARGETS)

# ---- replay builds (CC, HOST_CFLAGS: SAN= applies), fuzz/replay.c's main
$(BUILD)/fuzz-replay/librunner.a: $(patsubst %.c,$(BUILD)/obj/host/%.o,$(FUZZ_LIB_SRCS))
	$(call say,AR,$@)
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz-replay/%: fuzz/fuzz_%.c fuzz/fuzz_util.c fuzz/replay.c $(BUILD)/fuzz-replay/librunner.a $(FUZZ_DEPS)
	$(call say,CC,$@)
	$(Q)$(CC) $(RUNNER_CFLAGS) -Ifuzz -o $@ fuzz/fuzz_$*.c fuzz/fuzz_util.c fuzz/replay.c \
	  $(BUILD)/fuzz-replay/librunner.a $(HOST_LDFLAGS) $(RUNNER_LIBS)

fuzz-replay: $(FUZZ_REPLAY_BINS)
	$(Q)BUILD=$(BUILD) sh fuzz/replay.sh $(FUZZ_TARGETS)
