# Makefile -- build, test, benchmark and install rbk.
#
#   make            build build/rbk
#   make run        build rbk and run the main example: seed 001's release,
#                   a critical trigger, its backout, verified (examples/portal/demo)
#   make test       the whole suite, normally and under ASan+UBSan
#   make bench      rbk side by side with its peers
#   make fuzz       run the libFuzzer harnesses (FUZZ_SECONDS each)
#   make install    PREFIX=/usr/local DESTDIR= (the binary, stdlib, man pages, the licence,
#                   shell completion, editor files); make uninstall removes them
#   make man        the man pages, generated from the binary's --help texts
#                   and docs/language.md, docs/stdlib.md into $(BUILD)/man
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
FFI_VERSION := $(shell pkg-config --modversion libffi 2>/dev/null || echo unknown)
FFI_LIBS   := $(shell pkg-config --libs libffi 2>/dev/null || echo -lffi)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -I$(BUILD)/gen -Igrammar $(FFI_CFLAGS) -MMD -MP $(CFLAGS)
# libcurl and libcrypto are not linked: run/netclient.c loads libcurl.so.4,
# and base/sha256.c libcrypto, on first use (most commands never need them).
LDLIBS  = -lreadline -lm $(FFI_LIBS) -lyaml -ldl -lpthread

GEN     = $(BUILD)/gen/parser.c $(BUILD)/gen/lexer.c $(BUILD)/gen/modules.c
MODULES = $(wildcard stdlib/*.rbk)
LIB_SRC = $(wildcard base/*.c vm/*.c grammar/*.c compiler/*.c run/*.c review/*.c stdlib/*.c) $(filter-out cli/main.c,$(wildcard cli/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/parser.o $(BUILD)/gen/lexer.o $(BUILD)/gen/modules.o
UNIT_SRC = $(wildcard tests/unit/*_test.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

# Where `make install` puts things (DESTDIR is prepended to each).
BINDIR      = $(PREFIX)/bin
DATADIR     = $(PREFIX)/share
MANDIR      = $(DATADIR)/man
RBKDIR      = $(DATADIR)/rbk
DOCDIR      = $(DATADIR)/doc/rbk
BASHCOMPDIR = $(DATADIR)/bash-completion/completions
ZSHCOMPDIR  = $(DATADIR)/zsh/site-functions
STDLIB_RBK  = $(wildcard stdlib/*.rbk)
EDITOR_FILES = editors/README.md editors/vim/syntax/rbk.vim editors/vim/ftdetect/rbk.vim \
       editors/vim/ftplugin/rbk.vim editors/vscode/package.json \
       editors/vscode/language-configuration.json editors/vscode/syntaxes/rbk.tmLanguage.json
MAN_DIR = $(BUILD)/man
MAN_GEN = man/mkman.sh man/roff.awk man/usage.awk man/markdown.awk man/rbk-extra.man docs/language.md docs/stdlib.md

.PHONY: all deps deps-test run test check-build bench fuzz man install uninstall clean
.DELETE_ON_ERROR:

all: deps $(BUILD)/rbk $(UNIT_BIN) $(MAN_DIR)/.stamp

deps:
	@./deps.sh build

$(BUILD)/gen/parser.c $(BUILD)/gen/parser.h &: grammar/parser.y
	@mkdir -p $(@D)
	bison -Wall -Werror -d -o $(BUILD)/gen/parser.c $<

$(BUILD)/gen/lexer.c $(BUILD)/gen/lexer.h &: grammar/lexer.l
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

# rbk --version names the libffi it was built against (libffi has no run-time version call).
$(BUILD)/cli/main.o: ALL_CFLAGS += -DRBK_FFI_VERSION='"$(FFI_VERSION)"'

$(BUILD)/rbk: $(BUILD)/cli/main.o $(BUILD)/librbk.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/librbk.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(BUILD)/librbk.a $(LDLIBS)

# Man pages come from the binary itself (rbk --help, rbk help CMD) and from
# docs/language.md, so they cannot drift from what rbk does.
$(MAN_DIR)/.stamp: $(BUILD)/rbk $(MAN_GEN)
	man/mkman.sh $(BUILD)/rbk docs $(MAN_DIR)
	@touch $@

man: $(MAN_DIR)/.stamp

# The suite runs twice: a normal build, then one under ASan and UBSan.
test:
	@./deps.sh test
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory all BUILD=build-asan SAN=1
	@tests/all.sh build build-asan

# The main example (examples/portal/demo): seed 001's Customer Portal
# release rolled out, a critical trigger, the backout, the proof that the
# original state is back; the plan and the report in examples/portal/out.
run:
	@./deps.sh run
	@$(MAKE) --no-print-directory $(BUILD)/rbk
	@examples/portal/demo $(BUILD)/rbk

bench: all
	@./deps.sh bench
	@bench/run.sh $(BUILD)/rbk

# rbk itself compiles the seed .rbc files for the bytecode loader's harness.
fuzz:
	@./deps.sh fuzz
	@$(MAKE) --no-print-directory $(BUILD)/rbk
	@RBK=$(abspath $(BUILD)/rbk) fuzz/run.sh $(FUZZ_SECONDS)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 \
	  $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(DOCDIR)
	install -m 0644 LICENSE docs/lint.md docs/language.md docs/json.md $(DESTDIR)$(DOCDIR)/
	install -d $(DESTDIR)$(DOCDIR)/schema
	install -m 0644 docs/schema/*.json $(DESTDIR)$(DOCDIR)/schema/
	install -m 0755 $(BUILD)/rbk $(DESTDIR)$(BINDIR)/rbk
	install -m 0644 $(MAN_DIR)/man1/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(MAN_DIR)/man7/*.7 $(DESTDIR)$(MANDIR)/man7/
	install -m 0644 completions/rbk.bash $(DESTDIR)$(BASHCOMPDIR)/rbk
	install -m 0644 completions/_rbk $(DESTDIR)$(ZSHCOMPDIR)/_rbk
	for f in $(STDLIB_RBK); do install -D -m 0644 "$$f" "$(DESTDIR)$(RBKDIR)/$$f" || exit 1; done
	for f in $(EDITOR_FILES); do install -D -m 0644 "$$f" "$(DESTDIR)$(RBKDIR)/$$f" || exit 1; done

# Removes what install put there: rbk's own files, then rbk's own
# directories once empty (the shared ones, such as bin/, stay).
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/rbk $(DESTDIR)$(BASHCOMPDIR)/rbk $(DESTDIR)$(ZSHCOMPDIR)/_rbk
	rm -f $(DESTDIR)$(MANDIR)/man1/rbk.1 $(DESTDIR)$(MANDIR)/man1/rbk-*.1 $(DESTDIR)$(MANDIR)/man7/rbk-language.7 \
	  $(DESTDIR)$(MANDIR)/man7/rbk-stdlib.7
	rm -f $(DESTDIR)$(RBKDIR)/stdlib/*.rbk $(addprefix $(DESTDIR)$(RBKDIR)/,$(EDITOR_FILES))
	rm -f $(DESTDIR)$(DOCDIR)/LICENSE $(DESTDIR)$(DOCDIR)/lint.md $(DESTDIR)$(DOCDIR)/language.md $(DESTDIR)$(DOCDIR)/json.md
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/schema/,$(notdir $(wildcard docs/schema/*.json)))
	if [ -d $(DESTDIR)$(DOCDIR)/schema ]; then rmdir $(DESTDIR)$(DOCDIR)/schema 2>/dev/null || true; fi
	if [ -d $(DESTDIR)$(DOCDIR) ]; then rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null || true; fi
	if [ -d $(DESTDIR)$(RBKDIR) ]; then find $(DESTDIR)$(RBKDIR) -depth -type d -empty -delete; fi

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
