# pop3scan.bash — bash completion for pop3scan: every option of `pop3scan --help`, the values of
# --format, --color and --fail-on, file names where an option takes a file. Self-contained (no
# bash-completion helpers), so it also works when sourced from ~/.bashrc. Installed as
# share/bash-completion/completions/pop3scan, where bash-completion loads it on first use.
# tests/integration/test_install.py holds the option list to `pop3scan --help`: a new option goes
# into the lists below.

_pop3scan() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev='' before=''
    ((COMP_CWORD >= 1)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    if ((COMP_CWORD >= 2)) && [[ ${COMP_WORDS[1]} == report ]]; then
        _pop3scan_report
        return
    fi
    if ((COMP_CWORD >= 2)) && [[ ${COMP_WORDS[1]} == discover ]]; then
        _pop3scan_discover
        return
    fi
    ((COMP_CWORD >= 2)) && before=${COMP_WORDS[COMP_CWORD - 2]}
    local formats='text jsonl csv nuclei html markdown'
    local IFS=$' \t\n'
    # --opt=value: bash splits at '=' (COMP_WORDBREAKS), so the option is one word further back.
    if [[ $cur == = ]]; then
        cur=''
    elif [[ $prev == = ]]; then
        prev=$before
        ((COMP_CWORD >= 3)) && before=${COMP_WORDS[COMP_CWORD - 3]} || before=''
    fi
    # -o FORMAT:FILE: bash splits at ':' too; after "FORMAT:" comes a file name.
    if [[ $prev == : && " $formats " == *" $before "* ]]; then
        _pop3scan_files
        return
    fi
    case $prev in
    -f | --format)
        COMPREPLY=($(compgen -W "$formats" -- "$cur"))
        return ;;
    --color)
        COMPREPLY=($(compgen -W 'auto always never' -- "$cur"))
        return ;;
    --fail-on)
        COMPREPLY=($(compgen -W 'info low medium high critical' -- "$cur"))
        return ;;
    -o | --output)
        _pop3scan_files
        local f
        for f in $formats; do
            [[ $f: == "$cur"* ]] && COMPREPLY+=("$f:")
        done
        compopt -o nospace 2>/dev/null
        return ;;
    -iL | --input-list | --exclude-file | --resume | --fingerprints | --meta | --db | \
        --discover-names)
        _pop3scan_files
        return ;;
    --report)
        _pop3scan_files
        [[ html: == "$cur"* ]] && COMPREPLY+=(html:)
        [[ markdown: == "$cur"* ]] && COMPREPLY+=(markdown:)
        compopt -o nospace 2>/dev/null
        return ;;
    -p | --ports | -c | --concurrency | --max-memory | --tls-handshakes | --connect-timeout | \
        --read-timeout | --deadline | --rate | --retries | --exclude | --shard | --seed | \
        --resolver | --dns-concurrency | --campaign | --db-retry)
        # A value only the user knows (a number, a list, an address): nothing to offer.
        COMPREPLY=()
        return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W '-p --ports -f --format -o --output -c --concurrency
            --max-memory --tls-handshakes --connect-timeout --read-timeout --deadline --rate --retries --progress
            -iL --input-list --exclude --exclude-file --shard --randomize --seed --dry-run
            --resume -4 -6 --resolver --dns-concurrency --discover --discover-names
            --no-user-probe --no-stls
            --no-tls-versions --no-stls-injection --no-tls-detect --ntlm --fingerprints
            --fail-on --color --no-color --open --all -q --quiet -v --verbose --meta
            --db --no-db --campaign --db-retry --report
            -h --help -V --version' \
            -- "$cur"))
        return
    fi
    # A target: the host names the system knows (/etc/hosts); first, the subcommand too.
    COMPREPLY=($(compgen -A hostname -- "$cur"))
    ((COMP_CWORD == 1)) && [[ report == "$cur"* ]] && COMPREPLY+=(report)
    ((COMP_CWORD == 1)) && [[ discover == "$cur"* ]] && COMPREPLY+=(discover)
}

# pop3scan discover [OPTIONS] DOMAIN...: its options (pop3scan discover --help), host names.
_pop3scan_discover() {
    case $prev in
    -f | --format)
        COMPREPLY=($(compgen -W 'text jsonl' -- "$cur"))
        return ;;
    -iL | --input-list | --discover-names)
        _pop3scan_files
        return ;;
    -p | --ports | --resolver | --dns-concurrency | --read-timeout)
        COMPREPLY=()
        return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W '-p --ports -iL --input-list -4 -6 --resolver --dns-concurrency
            --discover-names --read-timeout -f --format -q --quiet -h --help' -- "$cur"))
        return
    fi
    COMPREPLY=($(compgen -A hostname -- "$cur"))
}

# pop3scan report [OPTIONS] FILE...: its options (pop3scan report --help), JSONL files.
_pop3scan_report() {
    case $prev in
    -f | --format)
        COMPREPLY=($(compgen -W 'html markdown' -- "$cur"))
        return ;;
    --title | --rows)
        COMPREPLY=()
        return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W '-f --format -o --output --title --scan --history --changes
            --rows --db --partial -h --help' -- "$cur"))
        return
    fi
    _pop3scan_files
}

# File names (directories get their '/'), as the default completion would give.
_pop3scan_files() {
    local IFS=$'\n'
    COMPREPLY=($(compgen -f -- "$cur"))
    compopt -o filenames 2>/dev/null
}

complete -F _pop3scan pop3scan
