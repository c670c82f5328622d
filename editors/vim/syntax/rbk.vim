" Vim syntax file
" Language:    rbk, the runbook language (docs/language.md, rbk-language(7))
" Filenames:   *.rbk
" Maintainers: the rbk project

if exists("b:current_syntax")
  finish
endif
let s:cpo_save = &cpo
set cpo&vim

" The reserved words (docs/language.md, 2.3), by what they do.
syn keyword rbkDeclaration runbook version owner window role param secret probe trigger require step fn extern import
syn keyword rbkClause      timeout expect retry every after idempotent irreversible undo on
syn keyword rbkStatement   run let verify log fail return notify manual ask approve by wait until hold
syn keyword rbkConditional if then else when
syn keyword rbkRepeat      for in
syn keyword rbkLogical     and or not
syn keyword rbkBoolean     true false
syn keyword rbkNil         nil
" Words the checker gives a meaning in place (not reserved).
syn keyword rbkSeverity    critical major minor
syn keyword rbkFailure     failure

" Names being declared, and calls.
syn match rbkDefName  "\%(\<\%(step\|fn\)\s\+\)\@<=\h\w*"
syn match rbkRoleName "\%(\<role\s\+\)\@<=\h\w*"
syn match rbkParamName "\%(\<\%(param\|secret\|probe\|let\)\s\+\)\@<=\h\w*"
syn match rbkCall     "\<\h\w*\ze\s*("

" Numbers and durations (2.4, 2.5): a duration is number-unit parts.
syn match rbkNumber   "\<\d\+\%(\.\d\+\)\=\%([eE][+-]\=\d\+\)\=\>"
syn match rbkDuration "\<\%(\d\+\%(\.\d\+\)\=\%(ms\|s\|m\|h\|d\)\)\+\>"
syn match rbkOperator "==\|!=\|<=\|>=\|=\~\|??\|->\|[-+*/%<>=]"

" Strings (2.6, 2.7): "..." on one line, """...""" over lines; escapes
" and ${expr} interpolations in both. The """ region is defined last, so
" that it wins where both could start.
syn cluster rbkExpr contains=rbkDeclaration,rbkClause,rbkStatement,rbkConditional,rbkRepeat,rbkLogical,rbkBoolean,rbkNil,rbkCall,rbkNumber,rbkDuration,rbkOperator,rbkString,rbkComment
syn match  rbkEscape  contained +\\\%([ntr0\\"$]\|u{\x\{1,6}}\)+
syn match  rbkBadEscape contained +\\\%([ntr0\\"$]\|u{\x\{1,6}}\)\@!.+
syn region rbkInterp  contained matchgroup=rbkInterpDelim start=+\${+ end=+}+ contains=@rbkExpr,rbkParen
syn region rbkParen   contained transparent start=+(+ end=+)+ contains=@rbkExpr,rbkParen
syn region rbkString  start=+"+ skip=+\\\\\|\\"+ end=+"+ end=+$+ contains=rbkEscape,rbkBadEscape,rbkInterp
syn region rbkString  start=+"""+ end=+"""+ contains=rbkEscape,rbkBadEscape,rbkInterp

" Comments (2.2): # to the end of the line, /* ... */ not nested.
syn keyword rbkTodo   contained TODO FIXME XXX NOTE
syn match   rbkComment "#.*$" contains=rbkTodo,@Spell
syn region  rbkComment start="/\*" end="\*/" contains=rbkTodo,@Spell

syn sync minlines=200

hi def link rbkDeclaration Structure
hi def link rbkClause      Keyword
hi def link rbkStatement   Statement
hi def link rbkConditional Conditional
hi def link rbkRepeat      Repeat
hi def link rbkLogical     Operator
hi def link rbkBoolean     Boolean
hi def link rbkNil         Constant
hi def link rbkSeverity    Type
hi def link rbkFailure     Type
hi def link rbkDefName     Function
hi def link rbkRoleName    Identifier
hi def link rbkParamName   Identifier
hi def link rbkCall        Function
hi def link rbkNumber      Number
hi def link rbkDuration    Number
hi def link rbkOperator    Operator
hi def link rbkString      String
hi def link rbkEscape      SpecialChar
hi def link rbkBadEscape   Error
hi def link rbkInterpDelim Delimiter
hi def link rbkComment     Comment
hi def link rbkTodo        Todo

let b:current_syntax = "rbk"
let &cpo = s:cpo_save
unlet s:cpo_save
