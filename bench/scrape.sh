#!/usr/bin/env bash
# Scrape-serving benchmark (issue #10): loads the exporter with a large snapshot
# (20 sources, 10,000 agents, 500 queues, via a loopback mock of the Exotel API), then
# drives /metrics with wrk at 1, 8 and 64 connections beside two baselines measured in
# the same run on the same bytes:
#   - nginx serving the identical exposition text as a static file (the practical limit);
#   - a Python prometheus_client exporter holding the same series (what many teams write).
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
"$BIN" --config.file "$WORK/config.yml" --web.listen-address "127.0.0.1:$EXP" --log.level warn --web.max-requests 64 & pids+=($!)
EXP_PID=$!
for _ in $(seq 1 120); do
  up=$(curl -s "127.0.0.1:$EXP/metrics" | grep -c '^contact_center_source_up{.*} 1$' || true)
  [ "$up" -ge "$SOURCES" ] && break
  sleep 0.5
done
curl -s "127.0.0.1:$EXP/metrics" > "$WORK/metrics.txt"
series=$(grep -vc '^#' "$WORK/metrics.txt")
agents=$(grep '^contact_center_agents{' "$WORK/metrics.txt" | awk '{s+=$2} END {print s}')

mkdir -p "$WORK/www" "$WORK/nginx"
cp "$WORK/metrics.txt" "$WORK/www/metrics"
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
  }
}
NGINX
nginx -c "$WORK/nginx/nginx.conf" -g 'daemon off;' & pids+=($!)
/usr/bin/python3 bench/python_exporter.py "$PY" "$WORK/metrics.txt" & pids+=($!)
sleep 2

run() { # url conns -> "rps p99ms" ; fails when any answer is not 2xx or wrk errors
  local t=2 out; [ "$2" -lt 2 ] && t=1
  out=$(wrk -t"$t" -c"$2" -d"${DUR}s" --latency "$1" 2>&1)
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    echo "wrk against $1 with $2 connections saw failures:" >&2; echo "$out" >&2; exit 1
  fi
  awk '
    /Requests\/sec/ {rps=$2}
    /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; p99=v}
    END {printf "%s %s\n", rps, p99}' <<<"$out"
}

# Every server must answer the same number of bytes, or the comparison is void.
for u in "http://127.0.0.1:$EXP/metrics" "http://127.0.0.1:$NGX/metrics" "http://127.0.0.1:$PY/metrics"; do
  got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$u")
  echo "$u: HTTP ${got% *}, ${got#* } bytes" >&2
  [ "${got% *}" = 200 ] || { echo "baseline not serving: $u" >&2; exit 1; }
done

echo "## Scrape serving: $series series, $agents agents, $SOURCES sources, body $(wc -c < "$WORK/metrics.txt") bytes"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); wrk ${DUR}s per run"
echo
echo "| connections | exporter req/s | exporter p99 ms | nginx req/s | python req/s | exporter / nginx | exporter / python |"
echo "|---|---|---|---|---|---|---|"
for c in 1 8 64; do
  read -r e_rps e_p99 < <(run "http://127.0.0.1:$EXP/metrics" "$c")
  read -r n_rps _ < <(run "http://127.0.0.1:$NGX/metrics" "$c")
  read -r p_rps _ < <(run "http://127.0.0.1:$PY/metrics" "$c")
  awk -v c="$c" -v e="$e_rps" -v ep="$e_p99" -v n="$n_rps" -v p="$p_rps" 'BEGIN {
    printf "| %d | %.0f | %.2f | %.0f | %.0f | %.2f | %.0f |\n", c, e, ep, n, p, (n>0?e/n:0), (p>0?e/p:0) }'
done
echo
rss=$(awk '/VmRSS/ {print $2}' "/proc/$EXP_PID/status"); hwm=$(awk '/VmHWM/ {print $2}' "/proc/$EXP_PID/status")
echo "exporter RSS after the runs: $((rss / 1024)) MiB (peak $((hwm / 1024)) MiB)"
