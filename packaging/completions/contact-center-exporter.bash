_contact__center__exporter() {
    local i cur prev opts cmd
    COMPREPLY=()
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    prev="$3"
    cmd=""
    opts=""

    for i in "${COMP_WORDS[@]:0:COMP_CWORD}"
    do
        case "${cmd},${i}" in
            ",$1")
                cmd="contact__center__exporter"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        contact__center__exporter)
            opts="-h -V --config.file --config.check --probe --web.listen-address --web.telemetry-path --web.config.file --web.max-requests --web.max-connections-per-peer --web.enable-lifecycle --log.level --log.format --demo --demo.seed --demo.agents --demo.scenario --demo.scenario-duration --demo.interval --storage.path --testing.clock-file --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --config.file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --web.listen-address)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --web.telemetry-path)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --web.config.file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --web.max-requests)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --web.max-connections-per-peer)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log.level)
                    COMPREPLY=($(compgen -W "debug info warn error" -- "${cur}"))
                    return 0
                    ;;
                --log.format)
                    COMPREPLY=($(compgen -W "logfmt json" -- "${cur}"))
                    return 0
                    ;;
                --demo.seed)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --demo.agents)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --demo.scenario)
                    COMPREPLY=($(compgen -W "normal sla-breach" -- "${cur}"))
                    return 0
                    ;;
                --demo.scenario-duration)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --demo.interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --storage.path)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --testing.clock-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
    esac
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _contact__center__exporter -o nosort -o bashdefault -o default contact-center-exporter
else
    complete -F _contact__center__exporter -o bashdefault -o default contact-center-exporter
fi
