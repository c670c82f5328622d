# Makefile -- build, test, benchmark and install rbk.
#
#   make            build build/rbk
#   make run        build rbk and run the main example (seed 001 backout)
#   make test       the whole suite, normally and under ASan+UBSan
#   make bench      rbk side by side with its peers
#   make fuzz       run the libFuzzer harnesses (FUZZ_SECONDS each)
#   make install    PREFIX=/usr/local DESTDIR=
#
# Flex and bison outputs are generated into $(BUILD)/gen, never committed.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc
SAN     ?=
FUZZ_SECONDS ?= 60

WARN = -Wall -Wextra -Werror -Wshadow -Wundef -Wwrite-strings \
       -Wmissing-prototypes -Wstrict-prototypes -Wpointer-arith -Wformat=2 \
       -Wvla -Wcast-align
ifeq ($(SAN),1)
OPT = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
OPT = -O2 -g
endif
CFLAGS  ?=
FFI_CFLAGS := $(shell pkg-config --cflags libffi 2>/dev/null)
FFI_LIBS   := $(shell pkg-config --libs libffi 2>/dev/null || echo -lffi)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -I$(BUILD)/gen -Igrammar $(FFI_CFLAGS) -MMD -MP $(CFLAGS)
LDLIBS  = -lm -lcrypto $(FFI_LIBS) -ldl

GEN     = $(BUILD)/gen/parser.c $(BUILD)/gen/lexer.c $(BUILD)/gen/modules.c
MODULES = $(wildcard stdlib/*.rbk)
LIB_SRC = $(wildcard vm/*.c compiler/*.c stdlib/*.c) $(filter-out cli/main.c,$(wildcard cli/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/parser.o $(BUILD)/gen/lexer.o $(BUILD)/gen/modules.o
UNIT_SRC = $(wildcard tests/unit/*_test.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps deps-test run test check-build bench fuzz install uninstall clean
.DELETE_ON_ERROR:

all: deps $(BUILD)/rbk $(UNIT_BIN)

deps:
	@./deps.sh build

$(BUILD)/gen/parser.c $(BUILD)/gen/parser.h: grammar/parser.y
	@mkdir -p $(@D)
	bison -Wall -Werror -d -o $(BUILD)/gen/parser.c $<

$(BUILD)/gen/lexer.c $(BUILD)/gen/lexer.h: grammar/lexer.l
	@mkdir -p $(@D)
	flex -Cf --header-file=$(BUILD)/gen/lexer.h -o $(BUILD)/gen/lexer.c $<

# The stdlib modules written in rbk, embedded in the binary.
$(BUILD)/gen/modules.c: stdlib/embed.sh $(MODULES)
	@mkdir -p $(@D)
	sh stdlib/embed.sh $(MODULES) > $@

# Everything that includes the generated headers waits for them.
$(LIB_OBJ) $(BUILD)/cli/main.o: | $(BUILD)/gen/parser.h $(BUILD)/gen/lexer.h

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/librbk.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/rbk: $(BUILD)/cli/main.o $(BUILD)/librbk.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/librbk.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(BUILD)/librbk.a $(LDLIBS)

# The suite runs twice: a normal build, then one under ASan and UBSan.
test:
	@./deps.sh test
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory all BUILD=build-asan SAN=1
	@tests/all.sh build build-asan

run: all
	@echo "rbk: the main example arrives with the runbook VM (see README)"; \
	 $(BUILD)/rbk check examples/portal-backout.rbk examples/db-deploy.rbk examples/tag-rollback.rbk && \
	 echo "examples check clean"

bench: all
	@./deps.sh bench
	@bench/run.sh $(BUILD)/rbk

fuzz:
	@./deps.sh fuzz
	@fuzz/run.sh $(FUZZ_SECONDS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/rbk $(DESTDIR)$(PREFIX)/bin/rbk

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/rbk

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
