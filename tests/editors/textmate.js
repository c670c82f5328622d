// textmate.js GRAMMAR FILE... -- tokenise each file with the TextMate
// grammar through vscode-textmate and vscode-oniguruma (as VS Code does),
// and check every character's scope against a small independent lexer of
// rbk: comments must be comment.*, string text string.*, the code inside
// ${...} and outside strings neither; reserved words in code must have a
// keyword (or constant.language) scope, numbers and durations
// constant.numeric. Prints TAP; exits 1 on any failure.
'use strict';
const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const [grammarPath, ...files] = process.argv.slice(2);
let n = 0, failed = 0, total = 0;
function ok(cond, what, detail) {
  n++;
  if (cond) console.log(`ok ${n} - ${what}`);
  else {
    failed++;
    console.log(`not ok ${n} - ${what}`);
    if (detail) console.log(detail.split('\n').slice(0, 20).map(l => '#   ' + l).join('\n'));
  }
}

const RESERVED = new Set(('after and approve ask by else every expect extern fail false fn for ' +
  'idempotent if import in irreversible let log manual nil not notify on or owner param probe ' +
  'require retry return role run runbook secret step then timeout trigger true undo until ' +
  'verify version wait when window').split(' '));

// truth(text): for each character, 'comment', 'string' or 'code', as the
// rbk lexer reads it (grammar/lexer.l): "...", """...""", escapes, ${...}
// (code, its delimiters included), # and /* */ comments.
function truth(text) {
  const cat = new Array(text.length).fill('code');
  const stack = [];   // 'str1' | 'str3' | 'interp' | 'brace'
  let i = 0;
  const top = () => stack[stack.length - 1];
  while (i < text.length) {
    const t = top();
    if (t === 'str1' || t === 'str3') {
      if (text[i] === '\\') { cat[i] = cat[i + 1] = 'string'; i += 2; continue; }
      if (text.startsWith('${', i)) { stack.push('interp'); i += 2; continue; }
      if (t === 'str3' && text.startsWith('"""', i)) { cat[i] = cat[i + 1] = cat[i + 2] = 'string'; stack.pop(); i += 3; continue; }
      if (t === 'str1' && (text[i] === '"' || text[i] === '\n')) { cat[i] = 'string'; stack.pop(); i++; continue; }
      cat[i++] = 'string';
      continue;
    }
    if (text[i] === '#') { while (i < text.length && text[i] !== '\n') cat[i++] = 'comment'; continue; }
    if (text.startsWith('/*', i)) {
      const e = text.indexOf('*/', i + 2), end = e < 0 ? text.length : e + 2;
      for (; i < end; i++) cat[i] = 'comment';
      continue;
    }
    if (text.startsWith('"""', i)) { cat[i] = cat[i + 1] = cat[i + 2] = 'string'; stack.push('str3'); i += 3; continue; }
    if (text[i] === '"') { cat[i] = 'string'; stack.push('str1'); i++; continue; }
    if (text[i] === '{') stack.push('brace');
    if (text[i] === '}') stack.pop();   // a brace, or the end of a ${
    i++;
  }
  return cat;
}

// category reads the innermost scope that decides: a comment, the code of
// an interpolation (delimiters included), or a string.
function category(scopes) {
  for (let i = scopes.length - 1; i >= 0; i--) {
    const x = scopes[i];
    if (x.startsWith('comment')) return 'comment';
    if (x.startsWith('meta.interpolation') || x.startsWith('meta.embedded') ||
        x.startsWith('punctuation.section.interpolation')) return 'code';
    if (x.startsWith('string')) return 'string';
  }
  return 'code';
}

async function main() {
  const wasm = fs.readFileSync(path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm')).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: p => new oniguruma.OnigScanner(p),
      createOnigString: s => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () => vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath),
  });
  const grammar = await registry.loadGrammar('source.rbk');
  ok(grammar !== null, `the grammar loads (scopeName source.rbk)`);
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const want = truth(text);
    const lines = text.split('\n');
    let stack = vsctm.INITIAL, off = 0, wrong = [], keywords = 0, badkw = [], nums = 0, badnum = [];
    for (let ln = 0; ln < lines.length; ln++) {
      const line = lines[ln];
      const r = grammar.tokenizeLine(line, stack);
      for (const tok of r.tokens) {
        const end = Math.min(tok.endIndex, line.length), s = line.slice(tok.startIndex, end);
        const cat = category(tok.scopes);
        for (let c = tok.startIndex; c < end; c++) {
          if (/\s/.test(line[c])) continue;
          if (want[off + c] !== cat && wrong.length < 10)
            wrong.push(`${file}:${ln + 1}:${c + 1}: '${line[c]}' is ${want[off + c]}, grammar says ${tok.scopes.join(' ')}`);
        }
        if (cat === 'code' && want[off + tok.startIndex] === 'code') {
          for (const m of s.matchAll(/[A-Za-z_][A-Za-z0-9_]*|[0-9][0-9A-Za-z.]*/g)) {
            const w = m[0];
            if (m.index > 0 && /[A-Za-z0-9_]/.test(s[m.index - 1])) continue;
            if (RESERVED.has(w)) {
              keywords++;
              if (!tok.scopes.some(x => x.startsWith('keyword') || x.startsWith('constant.language')))
                badkw.push(`${file}:${ln + 1}: '${w}' has ${tok.scopes.join(' ')}`);
            } else if (/^[0-9]/.test(w)) {
              nums++;
              if (!tok.scopes.some(x => x.startsWith('constant.numeric')))
                badnum.push(`${file}:${ln + 1}: '${w}' has ${tok.scopes.join(' ')}`);
            }
          }
        }
      }
      stack = r.ruleStack;
      off += line.length + 1;
    }
    const name = path.basename(file);
    ok(wrong.length === 0, `${name}: comments, strings and code scoped as rbk reads them`, wrong.join('\n'));
    total += keywords;
    ok(badkw.length === 0, `${name}: ${keywords} reserved words get keyword scopes`, badkw.slice(0, 10).join('\n'));
    ok(badnum.length === 0, `${name}: ${nums} numbers and durations get constant.numeric`, badnum.slice(0, 10).join('\n'));
  }
  ok(total > 100, `reserved words were checked (${total})`);
  console.log(`1..${n}`);
  process.exit(failed ? 1 : 0);
}
main().catch(e => { console.log(`not ok ${n + 1} - the grammar tokenises without error\n#   ${e.stack}`); console.log(`1..${n + 1}`); process.exit(1); });
