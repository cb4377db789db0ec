# A tiny Makefile for the make scenarios: four jobs, each a shell that
# runs a child shell, so that make -j2 has two jobs running at once.
all: a b c d
a b c d:
	@sh -c "exit 0"
	@echo $@ > /dev/null
.PHONY: all a b c d
