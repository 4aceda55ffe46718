# complete.zsh — what zsh's completion does with a command line, as a person at a terminal sees
# it: starts an interactive zsh on a pseudo-terminal (zpty) with completions/ first in fpath and
# compinit, types LINE and TAB, then a command that prints a marker, and prints everything the
# terminal showed up to the marker, as text. Used by test_install.py.
#   zsh -f complete.zsh COMPLETIONS_DIR LINE
zmodload zsh/zpty || exit 2
setopt extendedglob
local dir=$1 line=$2 out= chunk= marker=P3S-COMPLETE-DONE
zpty p3s 'TERM=xterm zsh -f -i' || exit 2
# Waits (up to 30 s) until the terminal has shown $1; the completion itself takes milliseconds.
read_until() {
  local i
  for i in {1..300}; do
    while zpty -r -t p3s chunk; do out+=$chunk; done
    [[ $out == *$1* ]] && return 0
    sleep 0.1
  done
  print -r -- "complete.zsh: timed out waiting for '$1'; terminal so far:"$'\n'"$out" >&2
  return 1
}
zpty -w p3s "PROMPT='> '; unsetopt zle_bracketed_paste; fpath=(${(q)dir} \$fpath);" \
  "autoload -Uz compinit && compinit -u -D && print -r -- READY-\$((6*7))"
read_until READY-42 || exit 1
out=
# Keys typed after TAB wait until the completion is done; ^E^U clears the line again and the
# marker is printed by an arithmetic expression, so its echo is not mistaken for it.
zpty -w -n p3s "$line"$'\t'$'\x05\x15'"print -r -- ${marker%-DONE}-\$((1))"$'\n'
read_until "${marker%-DONE}-1"$'\r' || exit 1
zpty -d p3s
out=${out%%${marker%-DONE}-1$'\r'*}
# Colours and attributes go; cursor movements become line breaks, so that words the terminal
# showed apart stay apart.
out=${out//$'\e'\[[0-9;?]#m/}
out=${out//$'\e'\[[0-9;?]#[a-zA-Z]/$'\n'}
print -r -- "${out//[$'\r\b']/}"
