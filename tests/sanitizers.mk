# The dynamic checkers beyond SAN= (Makefile): `make valgrind` runs the test
# targets under the shim inside valgrind's memcheck (scripts/valgrind.sh);
# any error fails it.  `make SAN=thread check` is the ThreadSanitizer run
# (tests/tsan.supp, tests/tsan_criterion.c, scripts/check.sh say what it
# needs and why).
.PHONY: valgrind
valgrind: deps build-all
	$(Q)BUILD=$(BUILD) sh scripts/valgrind.sh
