# shellcheck shell=bash
# Local Kafka (KRaft, from Maven jars) and ClickHouse (Debian's 18.16) for G-Pilot, without Docker.
# Sourced by the `gpilot` script. Needs GPILOT_HOME (the project's .gpilot/); all state lives there:
#   $GPILOT_HOME/run/<svc>.pid, <svc>.ports   what we started, so stop/status never guess
#   $GPILOT_HOME/logs/                        <svc>.out (stdout/stderr) and the services' own logs
#   $GPILOT_HOME/kafka/, clickhouse/          rendered configs and data
# Safe under `set -euo pipefail`: functions report failure by return code, never by exiting.

GP_INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
GP_JAVA="${GP_JAVA:-java}"
GP_MVN="${GP_MVN:-mvn}"
# Short-lived JVMs (topic admin, health checks): C1 only + serial GC start noticeably faster on 2 cores.
GP_TOOL_JVM_OPTS=(-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC)

_gp_home() {
  if [[ -z "${GPILOT_HOME:-}" ]]; then
    echo "gpilot: GPILOT_HOME is not set" >&2
    return 1
  fi
  mkdir -p "$GPILOT_HOME/run" "$GPILOT_HOME/logs"
  # Absolute, so rendered configs and the pid-ownership check don't depend on the current directory.
  GPILOT_HOME="$(cd "$GPILOT_HOME" && pwd)"
}

_gp_err() { echo "gpilot: $*" >&2; }

# ---------------------------------------------------------------- ports and waiting

# gp_port_free PORT: true if nothing listens on PORT (any local address).
gp_port_free() {
  local port="$1"
  if command -v ss >/dev/null 2>&1; then
    [[ -z "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]]
  else
    ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
  fi
}

# gp_require_port_free PORT NAME
gp_require_port_free() {
  local port="$1" name="$2"
  if ! gp_port_free "$port"; then
    _gp_err "port $port is already in use, but $name needs it. Stop whatever listens there (ss -ltnp 'sport = :$port') or choose another port."
    return 1
  fi
}

# gp_wait_for SECONDS CMD...: run CMD every 0.25 s until it succeeds; false after SECONDS.
gp_wait_for() {
  local timeout="$1"; shift
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.25
  done
}

# gp_wait_pid_exit PID SECONDS: true once PID is gone.
gp_wait_pid_exit() {
  local pid="$1" timeout="$2"
  gp_wait_for "$timeout" _gp_not_alive "$pid"
}
_gp_not_alive() { ! kill -0 "$1" 2>/dev/null; }

# ---------------------------------------------------------------- generic pid-file services

# _gp_pid NAME MATCH: prints the recorded pid if that process is alive *and* still ours
# (its command line contains MATCH), so a recycled pid is never signalled. Cleans stale pid files.
_gp_pid() {
  local name="$1" match="$2" pidfile="$GPILOT_HOME/run/$1.pid" pid cmd
  [[ -s "$pidfile" ]] || return 1
  pid="$(<"$pidfile")"
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    if [[ "$cmd" == *"$match"* ]]; then
      echo "$pid"
      return 0
    fi
  fi
  rm -f "$pidfile" "$GPILOT_HOME/run/$name.ports"
  return 1
}

# _gp_launch NAME CMD...: start CMD detached (own session, immune to hangups, no stdin), record its pid.
# The child writes its own pid before exec'ing CMD, so the pid is right even when setsid has to fork.
_gp_launch() {
  local name="$1"; shift
  local pidfile="$GPILOT_HOME/run/$name.pid"
  rm -f "$pidfile"
  # shellcheck disable=SC2016 # $$ and $@ are for the child shell
  setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" \
    >>"$GPILOT_HOME/logs/$name.out" 2>&1 </dev/null &
  gp_wait_for 10 test -s "$pidfile" || { _gp_err "$name: launcher did not start"; return 1; }
}

# _gp_await NAME PID SECONDS CMD...: like gp_wait_for, but gives up as soon as PID dies.
_gp_await() {
  local name="$1" pid="$2" timeout="$3"; shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
      _gp_err "$name exited during startup; see $GPILOT_HOME/logs/"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      _gp_err "$name did not become ready within ${timeout}s; see $GPILOT_HOME/logs/"
      return 1
    fi
    sleep 0.25
  done
}

# _gp_stop NAME MATCH: SIGTERM the recorded pid, SIGKILL after 20 s. Only ever our own pid.
_gp_stop() {
  local name="$1" match="$2" pid
  _gp_home || return 1
  if ! pid="$(_gp_pid "$name" "$match")"; then
    echo "$name: not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  if ! gp_wait_pid_exit "$pid" 20; then
    _gp_err "$name (pid $pid) ignored SIGTERM for 20 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    gp_wait_pid_exit "$pid" 5 || { _gp_err "$name (pid $pid) is still alive"; return 1; }
  fi
  rm -f "$GPILOT_HOME/run/$name.pid" "$GPILOT_HOME/run/$name.ports"
  echo "$name: stopped (pid $pid)"
}

# _gp_status NAME MATCH: prints one line; returns 0 if running, 3 (LSB "not running") otherwise.
_gp_status() {
  local name="$1" match="$2" pid ports=""
  _gp_home || return 1
  if pid="$(_gp_pid "$name" "$match")"; then
    [[ -s "$GPILOT_HOME/run/$name.ports" ]] && ports=", ports $(<"$GPILOT_HOME/run/$name.ports")"
    echo "$name: running (pid $pid$ports)"
    return 0
  fi
  echo "$name: stopped"
  return 3
}

# ---------------------------------------------------------------- Kafka

# _gp_resolve_classpath NAME POM: prints the runtime classpath of the standalone POM (infra/<name>/pom.xml), resolved
# by Maven once and cached in $GPILOT_HOME/<name>.classpath until the pom changes.
_gp_resolve_classpath() {
  _gp_home || return 1
  local name="$1" pom="$2" cache="$GPILOT_HOME/$1.classpath" jar jars stale=0
  if [[ ! -s "$cache" || "$pom" -nt "$cache" ]]; then
    stale=1
  else
    # A wiped ~/.m2 makes the cache lie: check the jars are still there.
    IFS=':' read -ra jars <"$cache"
    for jar in "${jars[@]}"; do [[ -f "$jar" ]] || { stale=1; break; }; done
  fi
  if ((stale)); then
    if ! "$GP_MVN" -q -B -f "$pom" dependency:build-classpath -Dmdep.outputFile="$cache.tmp" \
        >"$GPILOT_HOME/logs/$name-classpath.log" 2>&1; then
      _gp_err "resolving the $name classpath failed; see $GPILOT_HOME/logs/$name-classpath.log"
      tail -n 20 "$GPILOT_HOME/logs/$name-classpath.log" >&2
      return 1
    fi
    mv "$cache.tmp" "$cache"
  fi
  cat "$cache"
}

# gp_kafka_classpath: prints the broker classpath.
gp_kafka_classpath() { _gp_resolve_classpath kafka "$GP_INFRA_DIR/kafka/pom.xml"; }

# gp_flink_classpath: prints a Flink standalone cluster's classpath (what a distribution's lib/ holds).
gp_flink_classpath() { _gp_resolve_classpath flink "$GP_INFRA_DIR/flink/pom.xml"; }

# gp_kafka_tool MAIN_CLASS ARGS...: run a Kafka command-line tool (TopicCommand, ConsoleProducer, ...)
# with the broker's classpath; its log4j output goes to logs/kafka-tools.log.
gp_kafka_tool() {
  local main="$1" cp; shift
  cp="$(gp_kafka_classpath)" || return 1
  "$GP_JAVA" "${GP_TOOL_JVM_OPTS[@]}" -cp "$cp" \
    -Dlog4j2.configurationFile="$GP_INFRA_DIR/kafka/log4j2.properties" \
    -Dgpilot.log.dir="$GPILOT_HOME/logs" -Dgpilot.log.name=kafka-tools -Dgpilot.log.level=WARN \
    "$main" "$@"
}

# gp_kafka_bootstrap: prints the running brokers as host:port,... (the one of `up`, or the three of `up --cluster`).
gp_kafka_bootstrap() {
  _gp_home || return 1
  local name list=""
  if _gp_pid kafka "$GPILOT_HOME/kafka/server.properties" >/dev/null; then
    echo "127.0.0.1:$(cut -d' ' -f1 <"$GPILOT_HOME/run/kafka.ports")"
    return 0
  fi
  for name in "${GP_KAFKA_BROKERS[@]}"; do
    _gp_pid "$name" "$GPILOT_HOME/$name/server.properties" >/dev/null || continue
    list+="${list:+,}127.0.0.1:$(cut -d' ' -f1 <"$GPILOT_HOME/run/$name.ports")"
  done
  [[ -n "$list" ]] || { _gp_err "kafka is not running"; return 1; }
  echo "$list"
}

# gp_kafka_topics ARGS...: TopicCommand against the running broker, e.g. gp_kafka_topics --list
gp_kafka_topics() {
  local bs
  bs="$(gp_kafka_bootstrap)" || return 1
  gp_kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bs" "$@"
}

# gp_kafka_create_topic NAME [PARTITIONS]: idempotent (auto-creation is disabled on the broker).
gp_kafka_create_topic() {
  local topic="$1" partitions="${2:-4}"
  gp_kafka_topics --create --if-not-exists --topic "$topic" --partitions "$partitions" \
    --replication-factor 1 >/dev/null
}

# The brokers of `up --cluster`: three KRaft nodes, each a broker and a controller, in directories and pid files of
# their own (kafka-1 is node 1, ...).
GP_KAFKA_BROKERS=(kafka-1 kafka-2 kafka-3)

# _gp_kafka_prepare NAME NODE_ID PORT CONTROLLER_PORT VOTERS REPLICATION MIN_ISR CLUSTER_ID: renders the node's
# server.properties under $GPILOT_HOME/NAME and formats its storage once (KRaft; later starts reuse it).
_gp_kafka_prepare() {
  local name="$1" node="$2" port="$3" cport="$4" voters="$5" rf="$6" isr="$7" cluster_id="$8" dir
  dir="$GPILOT_HOME/$name"
  mkdir -p "$dir/data"
  sed -e "s|@@DATA_DIR@@|$dir/data|g" -e "s|@@PORT@@|$port|g" -e "s|@@CONTROLLER_PORT@@|$cport|g" \
    -e "s|@@NODE_ID@@|$node|g" -e "s|@@VOTERS@@|$voters|g" -e "s|@@REPLICATION@@|$rf|g" -e "s|@@MIN_ISR@@|$isr|g" \
    "$GP_INFRA_DIR/kafka/server.properties.template" >"$dir/server.properties"
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    gp_kafka_tool kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" \
      >>"$GPILOT_HOME/logs/$name.out" 2>&1 || { _gp_err "formatting $name's storage failed; see $GPILOT_HOME/logs/$name.out"; return 1; }
  fi
}

# _gp_kafka_launch NAME PORT CONTROLLER_PORT: starts the prepared node; prints the offset its log had before.
_gp_kafka_launch() {
  local name="$1" port="$2" cport="$3" cp log offset
  cp="$(gp_kafka_classpath)" || return 1
  log="$GPILOT_HOME/logs/$name.log"
  offset=$(( $(stat -c %s "$log" 2>/dev/null || echo 0) + 1 ))
  # G1 with a 20 ms pause goal, as Kafka's own kafka-run-class.sh runs a broker: every record in flight waits out a
  # pause, and the stream latency the API promises (SPEC.md section 9) includes the broker's.
  _gp_launch "$name" "$GP_JAVA" -Xms${GP_KAFKA_HEAP_MIN:-256m} -Xmx${GP_KAFKA_HEAP_MAX:-512m} \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Dlog4j2.configurationFile="$GP_INFRA_DIR/kafka/log4j2.properties" \
    -Dgpilot.log.dir="$GPILOT_HOME/logs" -Dgpilot.log.name="$name" \
    -cp "$cp" kafka.Kafka "$GPILOT_HOME/$name/server.properties" >&2 || return 1
  echo "$port $cport" >"$GPILOT_HOME/run/$name.ports"
  echo "$offset"
}

# _gp_kafka_ready NAME PORT OFFSET SECONDS: this run's "Kafka Server started" line, then a real Metadata request (raw
# protocol: a TopicCommand JVM would add ~1.7 s to every start). A node that does not get there is stopped.
_gp_kafka_ready() {
  local name="$1" port="$2" offset="$3" timeout="$4" pid
  pid="$(<"$GPILOT_HOME/run/$name.pid")"
  if ! _gp_await "$name" "$pid" "$timeout" _gp_kafka_log_started "$GPILOT_HOME/logs/$name.log" "$offset" ||
     ! _gp_await "$name" "$pid" 30 gp_kafka_metadata_ok "$port"; then
    _gp_stop "$name" "$GPILOT_HOME/$name/server.properties" >/dev/null  # a half-started broker must not linger
    return 1
  fi
  echo "$name: running (pid $pid, bootstrap 127.0.0.1:$port)"
}

# gp_kafka_start PORT CONTROLLER_PORT: the one broker of `up` (node 1 of a quorum of one).
gp_kafka_start() {
  local port="$1" cport="$2" pid offset
  _gp_home || return 1
  if pid="$(_gp_pid kafka "$GPILOT_HOME/kafka/server.properties")"; then
    echo "kafka: already running (pid $pid, ports $(<"$GPILOT_HOME/run/kafka.ports"))"
    return 0
  fi
  gp_require_port_free "$port" "Kafka (client listener)" || return 1
  gp_require_port_free "$cport" "Kafka (controller listener)" || return 1
  gp_kafka_classpath >/dev/null || return 1
  _gp_kafka_prepare kafka 1 "$port" "$cport" "1@127.0.0.1:$cport" 1 1 "$(_gp_kafka_random_uuid)" || return 1
  offset="$(_gp_kafka_launch kafka "$port" "$cport")" || return 1
  _gp_kafka_ready kafka "$port" "$offset" 60
}

# gp_kafka_cluster_start "PORT PORT PORT" "CONTROLLER_PORT x3": the three brokers of `up --cluster` (replication
# factor 3, min.insync.replicas 2). Starts the nodes that are not running; they must come up together, since a
# controller quorum needs two of three voters.
gp_kafka_cluster_start() {
  local -a ports cports
  read -ra ports <<<"$1"; read -ra cports <<<"$2"
  local i name pid offset voters="" cluster_id started=() offsets=()
  _gp_home || return 1
  ((${#ports[@]} == 3 && ${#cports[@]} == 3)) || { _gp_err "three client and three controller ports are needed"; return 1; }
  if pid="$(_gp_pid kafka "$GPILOT_HOME/kafka/server.properties")"; then
    _gp_err "the single broker of plain \`up\` runs (pid $pid); the cluster runs three brokers of its own: ./gpilot down kafka first"
    return 1
  fi
  gp_kafka_classpath >/dev/null || return 1
  for i in 0 1 2; do voters+="${voters:+,}$((i + 1))@127.0.0.1:${cports[$i]}"; done
  # One cluster id for the three nodes' storage, kept so a node formatted later joins the same cluster.
  [[ -s "$GPILOT_HOME/run/kafka-cluster.id" ]] || _gp_kafka_random_uuid >"$GPILOT_HOME/run/kafka-cluster.id"
  cluster_id="$(<"$GPILOT_HOME/run/kafka-cluster.id")"
  for i in 0 1 2; do
    name="${GP_KAFKA_BROKERS[$i]}"
    if pid="$(_gp_pid "$name" "$GPILOT_HOME/$name/server.properties")"; then
      echo "$name: already running (pid $pid, ports $(<"$GPILOT_HOME/run/$name.ports"))"
      continue
    fi
    gp_require_port_free "${ports[$i]}" "$name (client listener)" || return 1
    gp_require_port_free "${cports[$i]}" "$name (controller listener)" || return 1
    _gp_kafka_prepare "$name" "$((i + 1))" "${ports[$i]}" "${cports[$i]}" "$voters" 3 2 "$cluster_id" || return 1
    offset="$(_gp_kafka_launch "$name" "${ports[$i]}" "${cports[$i]}")" || return 1
    offsets+=("$offset")
    started+=("$i")
  done
  local k=0
  for i in "${started[@]}"; do
    _gp_kafka_ready "${GP_KAFKA_BROKERS[$i]}" "${ports[$i]}" "${offsets[$k]}" 120 || return 1
    k=$((k + 1))
  done
}
# Same format as `StorageTool random-uuid` (16 random bytes, URL-safe base64, no padding), without
# paying ~1.5 s for a JVM. Kafka rejects ids starting with '-' (they read as command-line flags).
_gp_kafka_random_uuid() {
  local id="-"
  while [[ "$id" == -* ]]; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  done
  echo "$id"
}
_gp_kafka_log_started() { grep -q 'Kafka Server started' < <(tail -c "+$2" "$1" 2>/dev/null); }

# gp_kafka_metadata_ok PORT: true if a broker on 127.0.0.1:PORT answers a Metadata request (v4, all
# topics) listing at least one broker. Raw protocol over bash's /dev/tcp, so it costs milliseconds.
gp_kafka_metadata_ok() {
  local hex
  # request: size 17 | api_key 3 | version 4 | correlation_id 1 | client_id "gp" | topics null | no auto-create
  # shellcheck disable=SC2016 # $0 is for the child shell
  hex="$(timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" || exit 1
    printf "\x00\x00\x00\x11\x00\x03\x00\x04\x00\x00\x00\x01\x00\x02gp\xff\xff\xff\xff\x00" >&3
    head -c 16 <&3 | od -An -tx1' "$1" 2>/dev/null | tr -d ' \n')" || return 1
  # response: size | correlation_id (must be 1) | throttle_time_ms | broker count (must be > 0)
  [[ ${#hex} -eq 32 && "${hex:8:8}" == 00000001 && "${hex:24:8}" != 00000000 ]]
}

# gp_kafka_stop [NAME]: the broker of `up` (kafka), or one of `up --cluster` (kafka-1, kafka-2, kafka-3).
gp_kafka_stop() { _gp_stop "${1:-kafka}" "${GPILOT_HOME:-}/${1:-kafka}/server.properties"; }
gp_kafka_status() { _gp_status "${1:-kafka}" "${GPILOT_HOME:-}/${1:-kafka}/server.properties"; }

# ---------------------------------------------------------------- ClickHouse

# gp_clickhouse_bin: prints the server command. Debian ships /usr/sbin/clickhouse-server;
# upstream packages use /usr/bin/clickhouse-server or the multi-call `clickhouse server`.
gp_clickhouse_bin() {
  local b
  for b in /usr/sbin/clickhouse-server /usr/bin/clickhouse-server; do
    [[ -x "$b" ]] && { echo "$b"; return 0; }
  done
  b="$(command -v clickhouse-server 2>/dev/null)" && { echo "$b"; return 0; }
  b="$(command -v clickhouse 2>/dev/null)" && { echo "$b server"; return 0; }
  return 1
}

# gp_clickhouse_install: installs Debian's clickhouse-server/-client if missing, without starting the
# Debian service. Works as root with no stdin (CI).
gp_clickhouse_install() {
  _gp_home || return 1
  gp_clickhouse_bin >/dev/null && return 0
  if [[ "$(id -u)" != 0 ]]; then
    _gp_err "ClickHouse is not installed; run as root: apt-get update && apt-get install -y clickhouse-server clickhouse-client"
    return 1
  fi
  local log="$GPILOT_HOME/logs/clickhouse-install.log" policy=/usr/sbin/policy-rc.d added_policy=0 rc=0
  # The package's postinst runs `invoke-rc.d clickhouse-server start`; a policy-rc.d answering 101
  # forbids that. Add one only if the machine has none, and remove it again.
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && added_policy=1
  fi
  echo "clickhouse: installing clickhouse-server and clickhouse-client with apt-get (log: $log)"
  {
    DEBIAN_FRONTEND=noninteractive apt-get update -q &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
      clickhouse-server clickhouse-client
  } >"$log" 2>&1 </dev/null || rc=$?
  ((added_policy)) && rm -f "$policy"
  if ((rc != 0)) || ! gp_clickhouse_bin >/dev/null; then
    _gp_err "installing ClickHouse failed; see $log"
    tail -n 20 "$log" >&2
    return 1
  fi
}

# gp_clickhouse_start HTTP_PORT TCP_PORT
gp_clickhouse_start() {
  local http="$1" tcp="$2" bin pid dir
  _gp_home || return 1
  if pid="$(_gp_pid clickhouse "${GPILOT_HOME:-}/clickhouse/config.xml")"; then
    echo "clickhouse: already running (pid $pid, ports $(<"$GPILOT_HOME/run/clickhouse.ports"))"
    return 0
  fi
  bin="$(gp_clickhouse_bin)" || { _gp_err "clickhouse-server is not installed (gp_clickhouse_install)"; return 1; }
  gp_require_port_free "$http" "ClickHouse (HTTP)" || return 1
  gp_require_port_free "$tcp" "ClickHouse (native TCP)" || return 1

  dir="$GPILOT_HOME/clickhouse"
  mkdir -p "$dir"/{data,tmp,user_files,format_schemas}
  sed -e "s|@@CH_HOME@@|$dir|g" -e "s|@@LOG_DIR@@|$GPILOT_HOME/logs|g" \
      -e "s|@@HTTP_PORT@@|$http|g" -e "s|@@TCP_PORT@@|$tcp|g" \
    "$GP_INFRA_DIR/clickhouse/config.xml.template" >"$dir/config.xml"
  cp "$GP_INFRA_DIR/clickhouse/users.xml" "$dir/users.xml"
  # config.xml points include_from here (not /etc/metrika.xml); the server insists the file exists.
  echo '<yandex/>' >"$dir/metrika.xml"

  # Foreground mode (no --daemon): the pid we record is the server itself.
  # shellcheck disable=SC2086 # $bin may be "clickhouse server"
  _gp_launch clickhouse $bin --config-file="$dir/config.xml" || return 1
  pid="$(<"$GPILOT_HOME/run/clickhouse.pid")"
  echo "$http $tcp" >"$GPILOT_HOME/run/clickhouse.ports"
  _gp_await clickhouse "$pid" 60 _gp_clickhouse_ping "$http" || { gp_clickhouse_stop >/dev/null; return 1; }
  echo "clickhouse: running (pid $pid, http://127.0.0.1:$http)"
}
_gp_clickhouse_ping() { [[ "$(curl -s --max-time 2 "http://127.0.0.1:$1/ping")" == "Ok." ]]; }

gp_clickhouse_stop() { _gp_stop clickhouse "${GPILOT_HOME:-}/clickhouse/config.xml"; }
gp_clickhouse_status() { _gp_status clickhouse "${GPILOT_HOME:-}/clickhouse/config.xml"; }
