# The manual pages: man/NAME.SECTION.scd (scdoc) into $(BUILD)/man/NAME.SECTION,
# installed under $(MANDIR)/manSECTION/ (scripts/install.mk).  The page's
# date is $SOURCE_DATE_EPOCH's when set (a package build), else today's.
MAN_SRCS  := $(wildcard man/*.scd)
MAN_PAGES := $(patsubst man/%.scd,$(BUILD)/man/%,$(MAN_SRCS))
ALL_OUTPUTS += $(MAN_PAGES)

$(BUILD)/man/%: man/%.scd
	$(call say,SCDOC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)command -v scdoc >/dev/null || { echo "man pages: scdoc is not installed (apt-get install scdoc, or sh scripts/deps.sh as root)" >&2; exit 1; }
	$(Q)scdoc < $< > $@.tmp && mv $@.tmp $@

.PHONY: man
man: $(MAN_PAGES)

# The pages against `forkchaos --help` and the tables (tests/test_install_man.c).
MAN_TEST := $(BUILD)/tests/test_install_man
ALL_OUTPUTS += $(MAN_TEST)
TESTS += $(MAN_TEST)
$(MAN_TEST): HOST_CFLAGS += -DFC_SRC_ROOT='"$(CURDIR)"'
