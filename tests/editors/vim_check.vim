" vim_check.vim -- load the rbk syntax on every file in the argument list
" and check it: filetype detected, no error, and spot checks of the groups
" (comments, declarations, statements, strings). Results go to the file
" $RBK_VIM_OUT; Vim exits non-zero (cquit) if anything is wrong.
let s:out = []
let s:bad = 0
let s:checked = 0

function! s:group(l, c) abort
  return synIDattr(synID(a:l, a:c, 1), 'name')
endfunction

function! s:expect(file, l, c, want) abort
  let got = s:group(a:l, a:c)
  let s:checked += 1
  if got !=# a:want
    let s:bad += 1
    call add(s:out, printf('%s:%d:%d: %s, expected %s: %s', a:file, a:l, a:c, got, a:want, getline(a:l)))
  endif
endfunction

let s:words = {'step': 'rbkDeclaration', 'role': 'rbkDeclaration', 'param': 'rbkDeclaration',
      \ 'require': 'rbkDeclaration', 'runbook': 'rbkDeclaration', 'verify': 'rbkStatement',
      \ 'run': 'rbkStatement', 'log': 'rbkStatement', 'let': 'rbkStatement', 'if': 'rbkConditional',
      \ 'for': 'rbkRepeat', 'undo': 'rbkClause', 'timeout': 'rbkClause', 'owner': 'rbkDeclaration'}

for s:f in argv()
  let v:errmsg = ''
  execute 'silent edit ' . fnameescape(s:f)
  if &filetype !=# 'rbk' || get(b:, 'current_syntax', '') !=# 'rbk'
    let s:bad += 1
    call add(s:out, s:f . ': filetype "' . &filetype . '", syntax "' . get(b:, 'current_syntax', '') . '"')
    continue
  endif
  let s:instr = 0
  for s:l in range(1, line('$'))
    let s:t = getline(s:l)
    if s:t =~# '"""'
      " a multi-line string opens or closes here (or both, on one line)
      if count(s:t, '"""') % 2
        let s:instr = !s:instr
      endif
      continue
    endif
    if s:instr
      call s:expect(s:f, s:l, 1 + match(s:t, '\S'), 'rbkString')
      continue
    endif
    if s:t =~# '^\s*#'
      call s:expect(s:f, s:l, 1 + match(s:t, '#'), 'rbkComment')
      continue
    endif
    let s:w = matchstr(s:t, '^\s*\zs\h\w*\ze\s')
    if has_key(s:words, s:w)
      call s:expect(s:f, s:l, 1 + match(s:t, '\S'), s:words[s:w])
    endif
    if s:t =~# '\<run "'
      call s:expect(s:f, s:l, 1 + match(s:t, '\<run "') + 4, 'rbkString')
    endif
    if s:t =~# '^\s*step \h\w*'
      call s:expect(s:f, s:l, 1 + matchend(s:t, '^\s*step '), 'rbkDefName')
    endif
    if s:t =~# '\S\s\{2,}# '
      call s:expect(s:f, s:l, 1 + matchend(s:t, '\S\s\{2,}\ze# '), 'rbkComment')
    endif
  endfor
  if v:errmsg !=# ''
    let s:bad += 1
    call add(s:out, s:f . ': ' . v:errmsg)
  endif
endfor
call add(s:out, printf('files %d, checks %d, bad %d', argc(), s:checked, s:bad))
call writefile(s:out, $RBK_VIM_OUT)
if s:bad
  cquit!
endif
qall!
