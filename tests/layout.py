#!/usr/bin/env python3
"""tests/layout.py [TOP] -- check the floors of docs/architecture.md.

Reads every quoted #include of the C sources (and the bison and flex
inputs) under the floor folders and fails, naming each offender, when
  - an include points to a higher floor (or sideways, between the two
    folders of one floor, review/ and stdlib/),
  - an include names a header that is not in the tree (a stale path),
  - the module graph has a circle: a module is a .c file with the header
    of the same name beside it (vm/interp.c implements vm/vm.h; the
    bison parser's files are one module with grammar/parse.c); an edge
    runs from a module to each module whose header it includes, and, for a
    header that no one .c implements (cli/cli.h), to each module that
    defines a function of that header the includer names,
  - the repository root holds a file outside a short allowed list.
Generated headers (parser.h, lexer.h under BUILD/gen) are not in the tree
and are skipped. Prints "layout ok" and exits 0, or the findings and 1.
"""
import os
import re
import subprocess
import sys

FLOORS = {'base': 0, 'vm': 1, 'grammar': 2, 'compiler': 3, 'run': 4, 'review': 5, 'stdlib': 5, 'cli': 6}
GENERATED = {'parser.h', 'lexer.h'}
# Headers implemented by a .c of another name.
IMPLEMENTED_BY = {'vm/vm.h': 'vm/interp.c',
                  # the bison parser: parse.c drives what parser.y and lexer.l generate
                  'grammar/parser_state.h': 'grammar/parse.c', 'grammar/parser.y': 'grammar/parse.c',
                  'grammar/lexer.l': 'grammar/parse.c'}
ROOT_FILES = {'.gitignore', 'Makefile', 'README.md', 'LICENSE', 'deps.sh'}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
DEFINITION = re.compile(r'^[A-Za-z_][\w \t\*]*?\b(\w+)\s*\([^;{}]*\)\s*\{', re.M)
CALLISH = re.compile(r'\b(\w+)\s*\(')
COMMENT = re.compile(r'/\*.*?\*/|//[^\n]*', re.S)


def sources(top):
    for floor in FLOORS:
        d = os.path.join(top, floor)
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if f.endswith(('.c', '.h', '.y', '.l', '.def')):
                yield floor + '/' + f


def module_of(path):
    """The module a file belongs to: its .c (or the header itself when no .c implements it)."""
    if path in IMPLEMENTED_BY:
        return IMPLEMENTED_BY[path]
    stem, ext = os.path.splitext(path)
    return stem + '.c' if ext in ('.c', '.h') else path


def main():
    top = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..'))
    files = list(sources(top))
    present = set(files)
    problems = []
    edges = {}
    includes = {}
    text_of = {f: open(os.path.join(top, f), encoding='utf-8', errors='replace').read() for f in files}
    defined_in = {}
    for f in files:
        if f.endswith('.c'):
            for name in DEFINITION.findall(COMMENT.sub('', text_of[f])):
                defined_in.setdefault(name, set()).add(f)
    for f in files:
        floor = f.split('/')[0]
        text = text_of[f]
        for m in INCLUDE.finditer(text):
            name = m.group(1)
            if os.path.basename(name) in GENERATED and '/' not in name:
                continue
            target = os.path.normpath(os.path.join(floor, name))
            line = text.count('\n', 0, m.start()) + 1
            if target not in present:
                problems.append('%s:%d: includes "%s", which is not in the tree' % (f, line, name))
                continue
            tfloor = target.split('/')[0]
            if tfloor != floor:
                if FLOORS[tfloor] >= FLOORS[floor]:
                    problems.append('%s:%d: includes %s: %s (floor %d) may not include %s (floor %d)' % (
                        f, line, target, floor, FLOORS[floor], tfloor, FLOORS[tfloor]))
            a, b = module_of(f), module_of(target)
            if (b in present or b == target) and a != b:
                edges.setdefault(a, set()).add(b)
            includes.setdefault(f, set()).add(target)
    # A header that no one .c implements (cli/cli.h) declares functions of
    # many: follow, from each file, the functions of such headers (reached
    # directly or through other headers) that the file names.
    def headers_reached(f):
        seen, todo = set(), list(includes.get(f, ()))
        while todo:
            h = todo.pop()
            if h not in seen:
                seen.add(h)
                todo.extend(x for x in includes.get(h, ()) if x.endswith('.h'))
        return seen
    for f in files:
        a = module_of(f)
        used = None
        for h in headers_reached(f):
            if module_of(h) in present:
                continue
            if used is None:
                used = set(re.findall(r'\b\w+\b', COMMENT.sub('', text_of[f])))
            for name in set(CALLISH.findall(COMMENT.sub('', text_of[h]))) & used:
                for impl in defined_in.get(name, ()):
                    if module_of(impl) != a:
                        edges.setdefault(a, set()).add(module_of(impl))
                    floor, ifloor = f.split('/')[0], impl.split('/')[0]
                    if ifloor != floor and FLOORS[ifloor] >= FLOORS[floor]:
                        problems.append('%s: calls %s(), declared in %s but defined in %s: %s (floor %d) may not '
                                        'reach %s (floor %d)' % (f, name, h, impl, floor, FLOORS[floor], ifloor,
                                                                 FLOORS[ifloor]))
    # circles: depth-first search, each circle reported once from its smallest member
    seen_cycles = set()
    state = {}
    stack = []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(edges.get(n, ())):
            if state.get(m) == 1:
                cyc = stack[stack.index(m):]
                k = min(range(len(cyc)), key=lambda i: cyc[i])
                key = tuple(cyc[k:] + cyc[:k])
                if key not in seen_cycles:
                    seen_cycles.add(key)
                    problems.append('circle: ' + ' -> '.join(key + (key[0],)))
            elif state.get(m) is None:
                visit(m)
        stack.pop()
        state[n] = 2

    sys.setrecursionlimit(10000)
    for n in sorted(edges):
        if state.get(n) is None:
            visit(n)
    # the root holds only what belongs there
    try:
        listed = subprocess.run(['git', '-C', top, 'ls-files', '--cached', '--others', '--exclude-standard'],
                                capture_output=True, text=True, check=True).stdout.split('\n')
        for p in listed:
            if p and '/' not in p and p not in ROOT_FILES:
                problems.append('root: %s does not belong at the top of the repository '
                                '(allowed: %s)' % (p, ' '.join(sorted(ROOT_FILES))))
    except (OSError, subprocess.CalledProcessError):
        pass   # not a git checkout (an installed copy): nothing to say about its root
    for p in problems:
        print(p)
    if problems:
        return 1
    print('layout ok: %d files, %d modules, %d include edges, no upward include, no circle'
          % (len(files), len({module_of(f) for f in files}), sum(len(v) for v in edges.values())))
    return 0


if __name__ == '__main__':
    sys.exit(main())
