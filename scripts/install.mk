# make install / uninstall / build-install, from one table of what goes
# where, so that uninstall removes exactly what install put (included by
# the top-level Makefile; PREFIX, DESTDIR, BUILD, Q and say come from it).
#
# forkchaos finds its own parts relative to PREFIX/bin/forkchaos
# (runner/install_path.c): those dirs follow PREFIX and are not settable
# alone.  LIBDIR, INCLUDEDIR, PKGCONFIGDIR, MANDIR and BASHCOMPDIR are
# (the Debian package puts libffd in /usr/lib/MULTIARCH).
BINDIR       = $(PREFIX)/bin
PKGLIBDIR    = $(PREFIX)/lib/forkchaos
LIBEXECDIR   = $(PREFIX)/libexec/forkchaos
DATADIR      = $(PREFIX)/share/forkchaos
LIBDIR      ?= $(PREFIX)/lib
INCLUDEDIR  ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
FC_VERSION  := $(shell sed -n 's/^\#define FC_VERSION "\(.*\)"/\1/p' runner/forkchaos.h)

# The .pc files' @WORDS@, at install time (PREFIX is install's).
PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(FC_VERSION)|g'

# One row per installed file (libffd twice: PKGLIBDIR's is check's library
# under test, beside its defect builds; LIBDIR's is for programs to link): MODE|SOURCE|DESTINATION.  MODE is install(1)'s
# mode, `link` (SOURCE is the link's target) or `pc` (SOURCE goes through
# PC_SED).  Man pages go to manSECTION/ by their suffix.
PLOT_FILES = $(wildcard scripts/plots/*.awk scripts/plots/*.gp)
# the scenarios, their folders (libuv/, real/) and the files their targets
# name (scripts, makefiles), not the drivers' sources
SCENARIO_FILES = $(wildcard scenarios/*.scn scenarios/*.md $(foreach e,scn md py sh mk,scenarios/*/*.$(e)))
SCENARIO_DIRS = $(filter-out scenarios/drivers,$(patsubst %/,%,$(sort $(dir $(SCENARIO_FILES)))))
INSTALL_ROWS = \
	755|$(BUILD)/forkchaos|$(BINDIR)/forkchaos \
	644|$(BUILD)/libforkchaos.so|$(PKGLIBDIR)/libforkchaos.so \
	$(foreach d,$(DRIVERS),755|$(d)|$(LIBEXECDIR)/$(notdir $(d))) \
	644|$(BUILD)/libffd.so|$(PKGLIBDIR)/libffd.so \
	$(foreach d,$(FFD_DEFECT_LIBS),644|$(d)|$(PKGLIBDIR)/defects/$(notdir $(d))) \
	$(foreach s,$(SCENARIO_FILES),644|$(s)|$(DATADIR)/$(s)) \
	755|scripts/plots.sh|$(DATADIR)/plots.sh \
	$(foreach p,$(PLOT_FILES),644|$(p)|$(DATADIR)/plots/$(notdir $(p))) \
	$(foreach m,$(MAN_PAGES),644|$(m)|$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m))) \
	644|completion/forkchaos|$(BASHCOMPDIR)/forkchaos \
	pc|scripts/forkchaos.pc.in|$(PKGCONFIGDIR)/forkchaos.pc \
	644|$(BUILD)/libffd.so|$(LIBDIR)/libffd.so.1 \
	link|libffd.so.1|$(LIBDIR)/libffd.so \
	644|$(BUILD)/libffd.a|$(LIBDIR)/libffd.a \
	644|lib/ffd.h|$(INCLUDEDIR)/ffd.h \
	pc|lib/libffd.pc.in|$(PKGCONFIGDIR)/libffd.pc
# forkchaos' own folders, removed by uninstall once empty
INSTALL_OWN_DIRS = $(PKGLIBDIR)/defects $(PKGLIBDIR) $(LIBEXECDIR) \
	$(addprefix $(DATADIR)/,$(filter-out scenarios,$(SCENARIO_DIRS))) $(DATADIR)/scenarios $(DATADIR)/plots $(DATADIR)

# What install needs built: the table's built sources (no test is built).
INSTALL_OUTPUTS = $(filter $(BUILD)/%,$(foreach r,$(INSTALL_ROWS),$(word 2,$(subst |, ,$(r)))))

.PHONY: build-install install uninstall
build-install: $(INSTALL_OUTPUTS)

install: $(INSTALL_OUTPUTS)
	$(call say,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)set -e; for row in $(foreach r,$(INSTALL_ROWS),'$(r)'); do \
		mode=$${row%%|*}; rest=$${row#*|}; src=$${rest%%|*}; dest='$(DESTDIR)'$${rest#*|}; \
		install -d "$${dest%/*}"; \
		case $$mode in \
		link) ln -sfn "$$src" "$$dest" ;; \
		pc) $(PC_SED) "$$src" >"$$dest.tmp" && chmod 644 "$$dest.tmp" && mv "$$dest.tmp" "$$dest" ;; \
		*) install -m "$$mode" "$$src" "$$dest" ;; \
		esac; \
	done

uninstall:
	$(call say,REMOVE,$(DESTDIR)$(PREFIX))
	$(Q)for row in $(foreach r,$(INSTALL_ROWS),'$(r)'); do rm -f '$(DESTDIR)'"$${row##*|}"; done
	$(Q)for dir in $(INSTALL_OWN_DIRS); do [ ! -d '$(DESTDIR)'"$$dir" ] || rmdir --ignore-fail-on-non-empty '$(DESTDIR)'"$$dir"; done

# The installed tree's tests (tests/test_install*.c): they run `make install`
# and `make uninstall` of this build (SAN=, hence BUILD=) into scratch
# prefixes, so the tree must be built first (make check builds it); the
# recipes' tests run docs/examples/ and docs/ci/ against that install.
INSTALL_TESTS := $(BUILD)/tests/test_install $(BUILD)/tests/test_install_recipes
ALL_OUTPUTS += $(INSTALL_TESTS)
TESTS += $(INSTALL_TESTS)
$(INSTALL_TESTS): tests/test_install_util.h
$(INSTALL_TESTS): HOST_CFLAGS += -DFC_SRC_ROOT='"$(CURDIR)"' -DFC_SAN='"$(SAN)"' -DFC_BUILD='"$(BUILD)"'

# make deb: the Debian packages from a clean clone of HEAD, in $(BUILD)/deb/
# (its build dependencies installed first as root: deps.sh deb).  make
# check-deb builds them and checks them (scripts/deb.sh: contents, lintian,
# the tool unpacked by dpkg -x and run); about 2 min, so not in make check
# but in CI (.ci/run).  It skips, saying why, where dpkg-buildpackage is not.
.PHONY: deb check-deb
deb:
	$(Q)sh scripts/deps.sh deb
	$(Q)sh scripts/deb.sh build $(BUILD)/deb
check-deb: $(BUILD)/targets/probe
	$(Q)sh scripts/deps.sh deb || true
	$(Q)sh scripts/deb.sh check $(BUILD)/deb $(BUILD)/targets/probe
