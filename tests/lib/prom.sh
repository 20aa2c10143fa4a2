# tests/lib/prom.sh — a throw-away Prometheus and node_exporter on 127.0.0.1.
#
# Source it from a test or bench script (sh), then:
#   prom_init                      temp dir $PROM_DIR (/tmp/prom-*); installs the
#                                  cleanup trap (EXIT INT TERM)
#   prom_exporter_start            prometheus-node-exporter on a free port;
#                                  sets NE_PORT, NE_PID; waits until /metrics answers
#   prom_server_start [TARGETS]    prometheus with a 1 s scrape interval, private
#                                  data dir, job "node" scraping 127.0.0.1:$NE_PORT
#                                  (or the file_sd file TARGETS); sets PROM_PORT,
#                                  PROM_PID, PROM_URL; waits until it is ready
#   prom_wait_query Q DEADLINE_S   wait until instant query Q returns a sample
#   prom_cleanup                   stop everything started here, by PID
# Never systemd; nothing listens beyond 127.0.0.1.

PROM_DIR=""
PROM_PIDS=""

prom_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

prom_init() {
	PROM_DIR=$(mktemp -d /tmp/prom-XXXXXX) || return 1
	trap 'prom_cleanup' EXIT
	trap 'exit 130' INT TERM
}

# Poll URL until it answers (curl exit 0) or DEADLINE seconds pass.
prom_wait_url() {
	_end=$(( $(date +%s) + $2 ))
	while [ "$(date +%s)" -le "$_end" ]; do
		curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

prom_exporter_start() {
	NE_PORT=$(prom_free_port) || return 1
	mkdir -p "$PROM_DIR/textfile"
	prometheus-node-exporter --web.listen-address="127.0.0.1:$NE_PORT" \
		--collector.textfile.directory="$PROM_DIR/textfile" \
		>"$PROM_DIR/node_exporter.log" 2>&1 &
	NE_PID=$!
	PROM_PIDS="$PROM_PIDS $NE_PID"
	prom_wait_url "http://127.0.0.1:$NE_PORT/metrics" 20
}

prom_server_start() {
	PROM_PORT=$(prom_free_port) || return 1
	if [ -n "${1:-}" ]; then
		_sd="    file_sd_configs:
      - files: ['$1']
        refresh_interval: 1s"
	else
		_sd="    static_configs:
      - targets: ['127.0.0.1:$NE_PORT']"
	fi
	cat > "$PROM_DIR/prometheus.yml" <<EOF
global:
  scrape_interval: ${PROM_SCRAPE:-1s}
  evaluation_interval: 1s
scrape_configs:
  - job_name: node
$_sd
${PROM_EXTRA_JOBS:-}
EOF
	mkdir -p "$PROM_DIR/data"
	prometheus --config.file="$PROM_DIR/prometheus.yml" \
		--storage.tsdb.path="$PROM_DIR/data" \
		--web.listen-address="127.0.0.1:$PROM_PORT" \
		--log.level=warn >"$PROM_DIR/prometheus.log" 2>&1 &
	PROM_PID=$!
	PROM_PIDS="$PROM_PIDS $PROM_PID"
	PROM_URL="http://127.0.0.1:$PROM_PORT"
	prom_wait_url "$PROM_URL/-/ready" 60
}

# Wait until the instant query $1 returns at least one sample.
prom_wait_query() {
	_end=$(( $(date +%s) + $2 ))
	while [ "$(date +%s)" -le "$_end" ]; do
		curl -fsS --max-time 2 -G "$PROM_URL/api/v1/query" --data-urlencode "query=$1" \
			2>/dev/null | grep -q '"value"' && return 0
		sleep 0.2
	done
	return 1
}

prom_cleanup() {
	for _p in $PROM_PIDS; do
		kill "$_p" 2>/dev/null
	done
	for _p in $PROM_PIDS; do
		wait "$_p" 2>/dev/null
	done
	PROM_PIDS=""
	[ -n "$PROM_DIR" ] && rm -rf "$PROM_DIR"
	PROM_DIR=""
}
