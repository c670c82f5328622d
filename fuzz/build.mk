# fuzz/build.mk -- the libFuzzer build of the front end, run by fuzz/run.sh
# from the top of the tree: make -f fuzz/build.mk
#
# Every base/, grammar/, compiler/, vm/ and run/ *.c is built with clang, coverage and ASan+UBSan
# into build-fuzz/, and archived, so the harness links only what it reaches
# (the front end) and later VM files with other needs do not get in the way.
# The parser and lexer are generated here exactly as the main Makefile does.

FB      = build-fuzz
FUZZ_CC ?= clang
SAN     = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FCFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -I$(FB)/gen -Igrammar -MMD -MP $(SAN)

SRC = $(wildcard base/*.c grammar/*.c compiler/*.c vm/*.c run/*.c)
OBJ = $(SRC:%.c=$(FB)/%.o) $(FB)/gen/parser.o $(FB)/gen/lexer.o

.DELETE_ON_ERROR:

$(FB)/fuzz_parse: fuzz/fuzz_parse.c $(FB)/librbk-fuzz.a
	$(FUZZ_CC) $(FCFLAGS) -fsanitize=fuzzer -o $@ $< $(FB)/librbk-fuzz.a -lm -lcrypto

$(FB)/librbk-fuzz.a: $(OBJ)
	rm -f $@
	ar rcs $@ $^

$(FB)/gen/parser.c $(FB)/gen/parser.h &: grammar/parser.y
	@mkdir -p $(@D)
	bison -Wall -Werror -d -o $(FB)/gen/parser.c $<

$(FB)/gen/lexer.c $(FB)/gen/lexer.h &: grammar/lexer.l
	@mkdir -p $(@D)
	flex --header-file=$(FB)/gen/lexer.h -o $(FB)/gen/lexer.c $<

$(OBJ): | $(FB)/gen/parser.h $(FB)/gen/lexer.h

$(FB)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FCFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FB)/gen/%.o: $(FB)/gen/%.c
	$(FUZZ_CC) $(FCFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

-include $(shell find $(FB) -name '*.d' 2>/dev/null)
