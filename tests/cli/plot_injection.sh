#!/usr/bin/env bash
# No byte of a scenario's name or of a --plot path reaches gnuplot as code (issue: a newline in
# a name ended gnuplot's command and a following `!CMD` ran CMD; a path starting with `|` made
# gnuplot write into a shell pipe). For each of `run`, `sweep` and `tmem`, and for both the name
# and the path:
#  - every control byte 0x01-0x1f and 0x7f (and NUL in a name, as \u0000: argv cannot hold one)
#    is refused before the run, with one line naming the field or --plot, and nothing is written;
#  - bytes outside UTF-8 in a name are refused by the JSON reader with one line; in a path they
#    are a legal file name, written as given and printed escaped;
#  - ' " \ ! | ` and $(...) payloads that try to run `touch INJECTED` are plotted as text: the
#    figure is a PNG at exactly the path given, and no INJECTED file appears.
# Then the output-file rules: an empty path, an existing folder (never replaced), a folder that
# cannot be written (refused before the run: nothing on stdout), and a gnuplot that fails with a
# multi-line message (one line on stderr, the old file kept).
#   plot_injection.sh TAGSIM SCENARIO_DIR
set -u
shopt -u patsub_replacement 2>/dev/null # bash 5.2: '&' in a replacement is literal
tagsim=$1
scenarios=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
failures=0
fail() {
    printf 'FAIL: %s\n' "$*"
    failures=$((failures + 1))
}

# The commands, each given a scenario file (its name set) and a path to plot to.
run_command() { # command scenario path
    case $1 in
    run) "$tagsim" run "$2" --duration 0.05 --plot "$3" ;;
    sweep) "$tagsim" sweep "$2" --vary capacity --values 1 --duration 0.05 --plot "$3" ;;
    tmem) "$tagsim" tmem "$2" --plot "$3" ;;
    esac
}
# A scenario file whose "name" is the JSON text $2 (already escaped as JSON needs).
write_scenario() { # command json-name-text
    if [[ $1 == tmem ]]; then
        # Two small guests for 2 s: the figure has points, and the run takes a moment.
        local guest='"boot-mib": 128, "flexible-mib": 128, "kernel-mib": 16, "swap-mib": 64, "reads-per-s": 1000, "file-set-mib": 256, "hot-set-mib": 64, "hot-share": 0.9, "file-mib": 1'
        printf '{"kind": "tmem", "name": "%s", "duration-s": 2, "host-mib": 1024, "host-reserved-mib": 64, "block-mib": 2, "sudden-mib": 64, "report-mib": 64, "guests": [{%s, "anon-mib": 32}, {%s, "anon-mib": 48}], "pressure": [[0, 128], [1, 400]]}\n' \
            "$2" "$guest" "$guest" >scenario.json
    else
        local text
        text=$(<"$scenarios/small.json")
        printf '%s\n' "${text/'"name": "small"'/"\"name\": \"$2\""}" >scenario.json
    fi
}
clean() { find . -mindepth 1 ! -name scenario.json -exec rm -rf {} +; }
no_injection() { # what
    if [[ -n $(find / -maxdepth 1 -name INJECTED 2>/dev/null) || -n $(find . -name 'INJECTED*' ! -name '*.png' 2>/dev/null) ]]; then
        fail "$1: a command ran (INJECTED exists)"
        rm -f /INJECTED ./INJECTED
    fi
}
is_png() { [[ -s $1 && $(head -c 8 "$1" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]]; }
one_line() { [[ $(wc -l <"$1") -eq 1 ]]; }

for command in run sweep tmem; do
    # ---- names -------------------------------------------------------------------------------
    for byte in $(seq 0 31) 127; do
        clean
        write_scenario "$command" "$(printf 'a\\u%04xb' "$byte")"
        run_command "$command" scenario.json out.png >out.txt 2>err.txt
        status=$?
        what="$command: name with byte $byte"
        ((status != 0)) || fail "$what: accepted"
        one_line err.txt && grep -q 'name: .*holds a control character' err.txt ||
            fail "$what: not one line naming the field: $(head -c 300 err.txt)"
        [[ ! -e out.png ]] || fail "$what: a figure was written"
        no_injection "$what"
    done
    # The reported attack: a newline ends gnuplot's command and `!CMD` runs CMD in a shell.
    clean
    write_scenario "$command" 'a\n!touch INJECTED\n#'
    run_command "$command" scenario.json out.png >out.txt 2>err.txt && fail "$command: a\\n!touch accepted"
    one_line err.txt && grep -q 'name: .*holds a control character' err.txt ||
        fail "$command: a\\n!touch: $(head -c 300 err.txt)"
    no_injection "$command: name a\\n!touch INJECTED"
    for bad in '\xff' '\xc0\xaf' '\xed\xa0\x80' '\xf4\x90\x80\x80'; do
        clean
        write_scenario "$command" "$(printf "a${bad}b")"
        run_command "$command" scenario.json out.png >out.txt 2>err.txt
        status=$?
        what="$command: name with bytes $bad"
        ((status != 0)) || fail "$what: accepted"
        one_line err.txt && grep -q 'scenario.json' err.txt ||
            fail "$what: not one line naming the file: $(head -c 300 err.txt)"
        no_injection "$what"
    done
    # JSON text of names that try to break out of a gnuplot string and run a command.
    payloads=(
        "x' . system('touch INJECTED') . 'y"
        "x\\\" . system(\\\"touch INJECTED\\\") . \\\"y"
        "x\\\\' . system('touch INJECTED') . '\\\\"
        "! touch INJECTED"
        "| touch INJECTED"
        "x\`touch INJECTED\`y"
        "x\$(touch INJECTED)y"
    )
    for payload in "${payloads[@]}"; do
        clean
        write_scenario "$command" "$payload"
        run_command "$command" scenario.json out.png >out.txt 2>err.txt
        status=$?
        what="$command: name $payload"
        ((status == 0)) || fail "$what: refused: $(head -c 300 err.txt)"
        is_png out.png || fail "$what: out.png is not a PNG"
        no_injection "$what"
    done

    # ---- paths -------------------------------------------------------------------------------
    write_scenario "$command" "plain"
    for byte in $(seq 1 31) 127; do
        clean
        printf -v character '\\x%02x' "$byte"
        printf -v character "$character" # printf -v, not $(...): that would drop a newline
        path="a${character}b.png"
        run_command "$command" scenario.json "$path" >out.txt 2>err.txt
        status=$?
        what="$command: path with byte $byte"
        ((status != 0)) || fail "$what: accepted"
        [[ ! -s out.txt ]] || fail "$what: the run went ahead"
        one_line err.txt && grep -q -- '--plot: .*holds a control character' err.txt ||
            fail "$what: not one line naming --plot: $(head -c 300 err.txt)"
        [[ -z $(find . -mindepth 1 ! -name scenario.json ! -name out.txt ! -name err.txt) ]] ||
            fail "$what: a file was left: $(ls -A)"
        no_injection "$what"
    done
    clean
    run_command "$command" scenario.json $'x\n!touch INJECTED\n#.png' >out.txt 2>err.txt &&
        fail "$command: path x\\n!touch accepted"
    one_line err.txt && grep -q -- '--plot: .*holds a control character' err.txt ||
        fail "$command: path x\\n!touch: $(head -c 300 err.txt)"
    no_injection "$command: path x\\n!touch INJECTED"
    paths=(
        "x'; system('touch INJECTED'); 'y.png"
        "x\"; system(\"touch INJECTED\"); \"y.png"
        "x\\'; system('touch INJECTED'); '\\.png"
        "!touch INJECTED; echo .png"
        "|touch INJECTED; echo .png"
        "x\`touch INJECTED\`y.png"
        "x\$(touch INJECTED)y.png"
        "$(printf 'x\xffy\xc0\xafz.png')"
    )
    for path in "${paths[@]}"; do
        clean
        run_command "$command" scenario.json "$path" >out.txt 2>err.txt
        status=$?
        what="$command: path $path"
        ((status == 0)) || fail "$what: refused: $(head -c 300 err.txt)"
        is_png "$path" || fail "$what: no PNG at exactly that path: $(ls -A)"
        [[ $(find . -mindepth 1 -name '*.png' | wc -l) -eq 1 ]] || fail "$what: other files: $(ls -A)"
        grep -q '^tagsim: plotted ' err.txt && ! LC_ALL=C grep -q '[^[:print:]]' err.txt ||
            fail "$what: the 'plotted' line is missing or not printable: $(head -c 300 err.txt)"
        no_injection "$what"
    done

    # ---- output files ------------------------------------------------------------------------
    clean
    run_command "$command" scenario.json "" >out.txt 2>err.txt && fail "$command: --plot '' accepted"
    one_line err.txt && grep -q -- '--plot: the path is empty' err.txt ||
        fail "$command: --plot '': $(head -c 300 err.txt)"
    [[ ! -s out.txt ]] || fail "$command: --plot '': the run went ahead"

    clean
    mkdir folder.png
    run_command "$command" scenario.json folder.png >out.txt 2>err.txt &&
        fail "$command: a folder as --plot accepted"
    [[ -d folder.png && -z $(ls -A folder.png) ]] || fail "$command: the empty folder was replaced"
    one_line err.txt && grep -q 'is not a regular file' err.txt ||
        fail "$command: folder: $(head -c 300 err.txt)"
    [[ ! -s out.txt ]] || fail "$command: folder: the run went ahead"

    clean
    mkdir locked
    chmod 555 locked
    if [[ ! -w locked ]]; then # root writes anywhere: then this case cannot be shown
        run_command "$command" scenario.json locked/out.png >out.txt 2>err.txt &&
            fail "$command: an unwritable folder accepted"
        one_line err.txt && grep -q 'cannot create a file in' err.txt ||
            fail "$command: unwritable: $(head -c 300 err.txt)"
        [[ ! -s out.txt ]] || fail "$command: unwritable: the run went ahead"
    fi
    chmod 755 locked
    run_command "$command" scenario.json missing/out.png >out.txt 2>err.txt &&
        fail "$command: a missing folder accepted"
    one_line err.txt && grep -q "cannot create a file in 'missing/'" err.txt ||
        fail "$command: missing folder: $(head -c 300 err.txt)"
    [[ ! -s out.txt ]] || fail "$command: missing folder: the run went ahead"

    # A gnuplot that fails with a message of several lines, as the real one does.
    clean
    mkdir fake
    printf '#!/bin/sh\ncat >/dev/null\necho "\n  set output x\n             ^\n  line 3: broken" >&2\nexit 1\n' >fake/gnuplot
    chmod +x fake/gnuplot
    echo old >kept.png
    PATH="$work/fake:$PATH" run_command "$command" scenario.json kept.png >out.txt 2>err.txt &&
        fail "$command: a failing gnuplot passed"
    one_line err.txt && grep -q -- "--plot: gnuplot failed (exit status 1): line 3: broken; 'kept.png' was not written" err.txt ||
        fail "$command: failing gnuplot: $(head -c 400 err.txt)"
    [[ $(cat kept.png) == old ]] || fail "$command: failing gnuplot: the old file was replaced"
    [[ -z $(find . -name '.tagsim-*') ]] || fail "$command: a temporary file was left behind"
done

if ((failures)); then
    echo "$failures failed"
    exit 1
fi
echo "all plot injection and output-file checks passed"
