complete -c contact-center-exporter -l config.file -d 'YAML configuration file' -r -F
complete -c contact-center-exporter -l web.listen-address -d 'Address to listen on (repeatable; `:PORT` means every interface; with --demo the default is 127.0.0.1:19947)' -r
complete -c contact-center-exporter -l web.telemetry-path -d 'Path under which metrics are served' -r
complete -c contact-center-exporter -l web.config.file -d 'TLS and basic-auth settings for this server (Prometheus exporter-toolkit format)' -r -F
complete -c contact-center-exporter -l web.max-requests -d 'Most concurrent `/metrics` requests; more are answered 503 at once' -r
complete -c contact-center-exporter -l web.max-connections-per-peer -d 'Most open connections from one client address (0: no limit); more are closed at once, so one address cannot take the connections Prometheus needs' -r
complete -c contact-center-exporter -l log.level -d 'Log level' -r -f -a "debug\t'Everything, including each request'
info\t'Start, stop, reloads, and failures'
warn\t'Failures only'
error\t'Only what an operator must fix'"
complete -c contact-center-exporter -l log.format -d 'Log format' -r -f -a "logfmt\t'`key=value` pairs'
json\t'One JSON object per line'"
complete -c contact-center-exporter -l demo.seed -d 'Random seed of the demo simulation' -r
complete -c contact-center-exporter -l demo.agents -d 'Number of simulated agents' -r
complete -c contact-center-exporter -l demo.scenario -d 'Demo scenario' -r -f -a "normal\t'Normal staffing; service level mostly meets target'
sla-breach\t'Demand triples, agents go on break or pick up slowly: service level collapses'"
complete -c contact-center-exporter -l demo.scenario-duration -d 'Return the demo to the normal scenario after this long (e.g. `90s`); by default the scenario lasts as long as the process' -r
complete -c contact-center-exporter -l demo.interval -d 'Demo poll interval' -r
complete -c contact-center-exporter -l storage.path -d 'Directory where each source\'s counter state (running totals and the period ledger) is kept, so that a restart continues every counter where it stood instead of resetting it; without it, counters start afresh at every start (docs/reliability.md)' -r -F
complete -c contact-center-exporter -l testing.clock-file -d 'For tests only: read every poll\'s time from this file (one RFC 3339 instant) instead of the system clock' -r -F
complete -c contact-center-exporter -l config.check -d 'Validate the configuration and credential files, print a summary, and exit 0 or 1'
complete -c contact-center-exporter -l probe -d 'With --config.check (implied): also poll every source once with its real credentials, print one line per source (up, or why not), and exit 1 if any failed'
complete -c contact-center-exporter -l web.enable-lifecycle -d 'Serve `POST /-/reload` (off by default; same-origin requests only). `SIGHUP` reloads either way'
complete -c contact-center-exporter -l demo -d 'Run against the built-in simulated contact center (no config, no network)'
complete -c contact-center-exporter -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contact-center-exporter -s V -l version -d 'Print version'
