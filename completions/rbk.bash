# bash completion for rbk. The candidates come from rbk itself
# (`rbk complete WORD...`, see rbk-complete(1)), so they follow the binary:
# commands, options and their values, .rbk files, run IDs and step names.
# Installed as share/bash-completion/completions/rbk; or source this file.

_rbk() {
  local cur=${COMP_WORDS[COMP_CWORD]} out line IFS=$'\n'
  local -a words=()
  out=$(command "${COMP_WORDS[0]}" complete --at $((COMP_CWORD - 1)) -- "${COMP_WORDS[@]:1}" 2>/dev/null) ||
    return 0
  COMPREPLY=()
  case $out in
    @runbook)
      compopt -o filenames 2>/dev/null
      COMPREPLY=($(compgen -d -- "$cur") $(compgen -f -X '!*.rb[kc]' -- "$cur"))
      return 0 ;;
    @file)
      compopt -o filenames 2>/dev/null
      COMPREPLY=($(compgen -f -- "$cur"))
      return 0 ;;
    @dir)
      compopt -o filenames 2>/dev/null
      COMPREPLY=($(compgen -d -- "$cur"))
      return 0 ;;
  esac
  while IFS= read -r line; do
    [ -n "$line" ] && words+=("${line%%$'\t'*}")
  done <<<"$out"
  COMPREPLY=($(compgen -W "${words[*]}" -- "$cur"))
}
complete -F _rbk rbk
