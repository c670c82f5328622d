" rbk runbooks: *.rbk
autocmd BufNewFile,BufRead *.rbk setfiletype rbk
