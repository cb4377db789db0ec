# libffd: the library under test, its 13 seeded-defect builds, its tests.
# Included by the top-level Makefile (BUILD, CC, Q, say, TARGET_CFLAGS,
# HOST_CFLAGS, HOST_LDFLAGS, PREFIX, DESTDIR come from there).

FFD_SRCS := lib/ffd_common.c lib/ffd_slots.c lib/ffd_sigchld.c \
            lib/ffd_generic.c lib/ffd_pidfd.c
FFD_HDRS := lib/ffd.h lib/ffd_internal.h lib/defects.def lib/windows.def
FFD_OBJS := $(patsubst lib/%.c,$(BUILD)/obj/lib/%.o,$(FFD_SRCS))
FFD_LDFLAGS := -shared -Wl,-soname,libffd.so.1 \
               -Wl,--version-script=lib/libffd.map -Wl,-z,defs -lpthread

# One build per seeded defect, the defects listed once in lib/defects.def
# as D(ID, ...): build NAME is ID lower-cased with '_' -> '-', the same
# sources compiled with -DFFD_DEFECT_NAME=ID (FFD_DEFECT(ID) is then 1).
# (`D.` in the pattern: an unbalanced parenthesis would end $(shell).)
FFD_DEFECT_IDS := $(shell sed -n 's/^D.\([A-Z0-9_]*\),.*/\1/p' lib/defects.def)
FFD_DEFECTS := $(shell echo $(FFD_DEFECT_IDS) | tr A-Z_ a-z-)
ffd_defect_flag = -DFFD_DEFECT_NAME=$(shell echo $(1) | tr a-z- A-Z_)
FFD_DEFECT_LIBS := $(foreach d,$(FFD_DEFECTS),$(BUILD)/defects/libffd-$(d).so)

FFD_TEST_SRCS := tests/test_ffd.c tests/test_ffd_generic.c \
                 tests/test_ffd_pidfd.c tests/test_ffd_tags.c tests/test_ffd_util.c
FFD_TEST_HDRS := tests/test_ffd_util.h

ALL_OUTPUTS += $(BUILD)/libffd.so $(BUILD)/libffd.a $(BUILD)/libffd.pc \
               $(BUILD)/tests/test_ffd
TESTS += $(BUILD)/tests/test_ffd

.PHONY: defects

$(BUILD)/obj/lib/%.o: lib/%.c $(FFD_HDRS) lib/lib.mk
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TARGET_CFLAGS) -c -o $@ $<

# libffd.so.1 beside it: the soname, so that programs linked against the
# build tree also run from it.
$(BUILD)/libffd.so: $(FFD_OBJS) lib/libffd.map
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TARGET_CFLAGS) -o $@ $(FFD_OBJS) $(FFD_LDFLAGS)
	$(Q)ln -sf libffd.so $(BUILD)/libffd.so.1

$(BUILD)/libffd.a: $(FFD_OBJS)
	$(call say,AR,$@)
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $(FFD_OBJS)

$(BUILD)/libffd.pc: lib/libffd.pc.in lib/lib.mk
	$(call say,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(PC_SED) lib/libffd.pc.in > $@

# Defect objects: $(BUILD)/obj/defects/NAME/FILE.o
define ffd_defect_rules
$(BUILD)/obj/defects/$(1)/%.o: lib/%.c $(FFD_HDRS) lib/lib.mk
	$$(call say,CC,$$@)
	$(Q)mkdir -p $$(@D)
	$(Q)$$(CC) $$(TARGET_CFLAGS) $(call ffd_defect_flag,$(1)) -c -o $$@ $$<

$(BUILD)/defects/libffd-$(1).so: $(patsubst lib/%.c,$(BUILD)/obj/defects/$(1)/%.o,$(FFD_SRCS)) lib/libffd.map
	$$(call say,LD,$$@)
	$(Q)mkdir -p $$(@D)
	$(Q)$$(CC) $$(TARGET_CFLAGS) -o $$@ $$(filter %.o,$$^) $$(FFD_LDFLAGS)
endef
$(foreach d,$(FFD_DEFECTS),$(eval $(call ffd_defect_rules,$(d))))

defects: $(FFD_DEFECT_LIBS)

# The Criterion binary compiles the library sources in directly, with the
# host flags, so `make SAN=address,undefined` sanitizes the library too.
# FFD_TEST_ROOT: where the tags tests read lib/'s sources and documents.
$(BUILD)/tests/test_ffd: $(FFD_TEST_SRCS) $(FFD_TEST_HDRS) $(FFD_SRCS) $(FFD_HDRS) lib/lib.mk
	$(call say,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(HOST_CFLAGS) -Ilib -DFFD_TEST_ROOT='"$(CURDIR)"' -o $@ $(FFD_TEST_SRCS) $(FFD_SRCS) \
		$(HOST_LDFLAGS) -lcriterion -lpthread
