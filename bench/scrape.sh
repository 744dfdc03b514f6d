#!/usr/bin/env bash
# Scrape-serving benchmark (issue #10): loads the exporter with a large snapshot
# (20 sources, 10,000 agents, 500 queues, via a loopback mock of the Exotel API), then
# drives /metrics with wrk at 1, 8 and 64 connections beside two baselines measured in
# the same run on the same bytes:
#   - nginx serving the identical exposition text as a static file (the practical limit);
#   - a Python prometheus_client exporter holding the same series (what many teams write).
# Each is measured in both exposition formats: text 0.0.4 (what wrk gets without an
# Accept header) and OpenMetrics 1.0.0 (what Prometheus 2.x asks for; nginx serves the
# exporter's OpenMetrics bytes, prometheus_client negotiates it itself).
# Prints a Markdown table (requests/s, p99 latency, ratios) and the exporter's RSS.
# Usage: bench/scrape.sh [seconds-per-run]   (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10}
SOURCES=20 AGENTS=500 QUEUES=25   # per source: 20 x 500 = 10,000 agents, 20 x 25 = 500 queues

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
/usr/bin/python3 -c "import prometheus_client" 2>/dev/null || need+=(python3-prometheus-client)
if ((${#need[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-target}/release/contact-center-exporter

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
WORK=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

MOCK=$(port); EXP=$(port); NGX=$(port); PY=$(port)
python3 bench/mock_exotel.py "$MOCK" "$SOURCES" "$AGENTS" "$QUEUES" & pids+=($!)
{
  echo "global: {interval: 30s, timeout: 20s, max_staleness: 1h}"
  echo "sources:"
  for i in $(seq 1 "$SOURCES"); do
    printf '  - {name: cc-%02d, vendor: exotel, base_url: "http://127.0.0.1:%s", cc_id: %d, username: bench, password: bench, page_size: 1000}\n' "$i" "$MOCK" "$i"
  done
} > "$WORK/config.yml"
sleep 1
"$BIN" --config.file "$WORK/config.yml" --web.listen-address "127.0.0.1:$EXP" --log.level warn --web.max-requests 64 --web.max-connections-per-peer 0 & pids+=($!)
EXP_PID=$!
for _ in $(seq 1 120); do
  up=$(curl -s "127.0.0.1:$EXP/metrics" | grep -c '^contact_center_source_up{.*} 1$' || true)
  [ "$up" -ge "$SOURCES" ] && break
  sleep 0.5
done
curl -s "127.0.0.1:$EXP/metrics" > "$WORK/metrics.txt"
OM_ACCEPT='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
curl -s -H "Accept: $OM_ACCEPT" "127.0.0.1:$EXP/metrics" > "$WORK/metrics.om"
series=$(grep -vc '^#' "$WORK/metrics.txt")
agents=$(grep '^contact_center_agents{' "$WORK/metrics.txt" | awk '{s+=$2} END {print s}')

mkdir -p "$WORK/www" "$WORK/nginx"
cp "$WORK/metrics.txt" "$WORK/www/metrics"
cp "$WORK/metrics.om" "$WORK/www/metrics-om"
# nginx started as root reads files as "nobody": mktemp -d is 0700.
chmod -R a+rX "$WORK"
cat > "$WORK/nginx/nginx.conf" <<NGINX
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx; proxy_temp_path $WORK/nginx; fastcgi_temp_path $WORK/nginx;
  uwsgi_temp_path $WORK/nginx; scgi_temp_path $WORK/nginx;
  server {
    listen 127.0.0.1:$NGX;
    location = /metrics { root $WORK/www; default_type "text/plain; version=0.0.4"; }
    location = /metrics-om { root $WORK/www; default_type "application/openmetrics-text; version=1.0.0; charset=utf-8"; }
  }
}
NGINX
nginx -c "$WORK/nginx/nginx.conf" -g 'daemon off;' & pids+=($!)
/usr/bin/python3 bench/python_exporter.py "$PY" "$WORK/metrics.txt" & pids+=($!)
sleep 2

run() { # url conns [accept] -> "rps p99ms errors"; errors = non-2xx answers + socket errors
  local t=2 out; [ "$2" -lt 2 ] && t=1
  out=$(wrk -t"$t" -c"$2" -d"${DUR}s" --latency ${3:+-H "Accept: $3"} "$1" 2>&1)
  echo "$out" > "$WORK/wrk-$(echo "$1${3:+-om}" | tr -c 'a-z0-9' _)-$2.txt"
  awk '
    /Requests\/sec/ {rps=$2}
    /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; p99=v}
    /Non-2xx/ {err+=$NF}
    /Socket errors/ {gsub(/,/,""); err+=$4+$6+$8+$10}
    END {printf "%s %s %d\n", rps, p99, err}' <<<"$out"
}

# Every server must answer in the format asked for, or the comparison is void.
check() { # url accept expected-content-type-prefix
  local got
  got=$(curl -s -o /dev/null -H "Accept: $2" -w '%{http_code} %{size_download} %{content_type}' "$1")
  echo "$1 (Accept: ${2:0:30}): HTTP $got" >&2
  [ "${got%% *}" = 200 ] || { echo "not serving: $1" >&2; exit 1; }
  case "${got#* * }" in "$3"*) ;; *) echo "wrong format from $1: $got" >&2; exit 1 ;; esac
}
for u in "http://127.0.0.1:$EXP/metrics" "http://127.0.0.1:$NGX/metrics" "http://127.0.0.1:$PY/metrics"; do
  check "$u" "*/*" "text/plain"
done
for u in "http://127.0.0.1:$EXP/metrics" "http://127.0.0.1:$NGX/metrics-om" "http://127.0.0.1:$PY/metrics"; do
  check "$u" "$OM_ACCEPT" "application/openmetrics-text"
done

echo "## Scrape serving: $series series, $agents agents, $SOURCES sources, body $(wc -c < "$WORK/metrics.txt") bytes (OpenMetrics $(wc -c < "$WORK/metrics.om") bytes)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); wrk ${DUR}s per run; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| format | connections | exporter req/s | exporter p99 ms | nginx req/s | nginx p99 ms | python req/s | python p99 ms | exporter / nginx | exporter / python |"
echo "|---|---|---|---|---|---|---|---|---|---|"
failed=0
for fmt in text openmetrics; do
  accept="" npath=/metrics
  [ "$fmt" = openmetrics ] && accept=$OM_ACCEPT npath=/metrics-om
  for c in 1 8 64; do
    read -r e_rps e_p99 e_err < <(run "http://127.0.0.1:$EXP/metrics" "$c" "$accept")
    read -r n_rps n_p99 n_err < <(run "http://127.0.0.1:$NGX$npath" "$c" "$accept")
    read -r p_rps p_p99 p_err < <(run "http://127.0.0.1:$PY/metrics" "$c" "$accept")
    awk -v f="$fmt" -v c="$c" -v e="$e_rps" -v ep="$e_p99" -v n="$n_rps" -v np="$n_p99" -v p="$p_rps" -v pp="$p_p99" \
        -v ee="$e_err" -v ne="$n_err" -v pe="$p_err" 'BEGIN {
      printf "| %s | %d | %.0f%s | %.2f | %.0f%s | %.2f | %.1f%s | %.0f | %.2f | %.0f |\n", f, c,
        e, (ee ? " (" ee " errors)" : ""), ep, n, (ne ? " (" ne " errors)" : ""), np,
        p, (pe ? " (" pe " errors)" : ""), pp, (n>0?e/n:0), (p>0?e/p:0) }'
    # The baselines may fail under load (that is part of what they measure); the exporter
    # must not, and the limit must be a real limit.
    [ "$e_err" -eq 0 ] && [ "$n_err" -eq 0 ] || failed=1
  done
done
echo
rss=$(awk '/VmRSS/ {print $2}' "/proc/$EXP_PID/status"); hwm=$(awk '/VmHWM/ {print $2}' "/proc/$EXP_PID/status")
echo "exporter RSS after the runs: $((rss / 1024)) MiB (peak $((hwm / 1024)) MiB)"
if [ "$failed" -ne 0 ]; then
  echo "the exporter or nginx answered errors; wrk said:" >&2
  cat "$WORK"/wrk-*.txt >&2
  exit 1
fi
