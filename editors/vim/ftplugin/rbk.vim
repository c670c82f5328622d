" Vim filetype plugin for rbk runbooks: the layout `rbk fmt` writes.
if exists("b:did_ftplugin")
  finish
endif
let b:did_ftplugin = 1

setlocal expandtab shiftwidth=2 softtabstop=2 tabstop=8
setlocal commentstring=#\ %s comments=:#
setlocal formatoptions-=t formatoptions+=croql
" `:make` checks the runbook; errors come back as FILE:LINE:COL: error: MSG
setlocal makeprg=rbk\ check\ %
setlocal errorformat=%f:%l:%c:\ %trror:\ %m,%f:%l:%c:\ %tarning:\ %m,%-G%.%#

let b:undo_ftplugin = "setlocal expandtab< shiftwidth< softtabstop< tabstop< commentstring< comments< formatoptions< makeprg< errorformat<"
