#!/usr/bin/env bash
# Run a real single-node Apache Kafka 4.x broker (KRaft, combined
# broker+controller) on this machine: no Docker, no tarball. The broker's
# classpath is assembled once from Maven Central with scripts/kafka/pom.xml
# and cached; later starts do not call Maven.
#
# Usage: scripts/kafka.sh start|stop|restart|kill|status|logs|fetch
#   start    start the broker in the background and wait until it is ready
#            (exit 0 at once if something already answers on KAFKA_PORT).
#            The data dir is wiped first unless KAFKA_KEEP_DATA=1.
#   stop     stop the broker this script started (SIGTERM, then SIGKILL).
#   restart  stop, then start keeping the data (simulates a broker outage).
#   kill     SIGKILL the broker (simulates a crash; `start` with
#            KAFKA_KEEP_DATA=1 brings it back with its data).
#   status   exit 0 if the broker answers, 3 if not.
#   logs     print the tail of the broker log (KAFKA_LOG_LINES, default 100).
#   fetch    only download/cache the broker classpath (e.g. to warm CI).
#
# Environment (all optional):
#   KAFKA_VERSION          Kafka version from Maven Central (default 4.1.2)
#   KAFKA_PORT             PLAINTEXT listener port on 127.0.0.1 (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port on 127.0.0.1 (default 9093)
#   KAFKA_HOME_DIR         cache/state root (default ~/.cache/cqrs-broker-kafka)
#   KAFKA_DATA_DIR         log.dirs (default $KAFKA_HOME_DIR/data/$KAFKA_PORT)
#   KAFKA_KEEP_DATA        1 = keep existing data on start (restart sets it)
#   KAFKA_HEAP_OPTS        JVM heap flags (default "-Xms128m -Xmx512m")
#   KAFKA_START_TIMEOUT    seconds to wait for readiness (default 90)
#   KAFKA_STOP_TIMEOUT     seconds to wait after SIGTERM before SIGKILL (default 30)
#   KAFKA_NUM_PARTITIONS   num.partitions for auto-created topics (default 3)
#   KAFKA_EXTRA_PROPS      extra server.properties lines appended verbatim
#   KAFKA_READY_CHECK      1 (default) = after the log says "started", run a
#                          Java client probe (cluster metadata, group
#                          coordinator, producer-id allocation); 0 = skip it
#   JAVA_HOME / JAVA       Java 17+ to use (default: java on PATH)
#   MVN                    Maven command (default: mvn)
set -euo pipefail

SCRIPT_PATH="${BASH_SOURCE[0]}"
if command -v readlink >/dev/null 2>&1; then SCRIPT_PATH="$(readlink -f -- "$SCRIPT_PATH" || printf '%s' "$SCRIPT_PATH")"; fi
SCRIPT_DIR="$(cd -- "$(dirname -- "$SCRIPT_PATH")" && pwd -P)"
POM="$SCRIPT_DIR/kafka/pom.xml"

KAFKA_VERSION="${KAFKA_VERSION:-4.1.2}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HOME_DIR="${KAFKA_HOME_DIR:-${HOME:-/root}/.cache/cqrs-broker-kafka}"
KAFKA_DATA_DIR="${KAFKA_DATA_DIR:-$KAFKA_HOME_DIR/data/$KAFKA_PORT}"
KAFKA_KEEP_DATA="${KAFKA_KEEP_DATA:-0}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
KAFKA_NUM_PARTITIONS="${KAFKA_NUM_PARTITIONS:-3}"
KAFKA_EXTRA_PROPS="${KAFKA_EXTRA_PROPS:-}"
KAFKA_READY_CHECK="${KAFKA_READY_CHECK:-1}"
MVN="${MVN:-mvn}"
if [[ -n "${JAVA:-}" ]]; then :
elif [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"
else JAVA=java
fi

DIST_DIR="$KAFKA_HOME_DIR/dist/$KAFKA_VERSION"   # lib/ + .complete marker
LIB_DIR="$DIST_DIR/lib"
RUN_DIR="$KAFKA_HOME_DIR/run/$KAFKA_PORT"        # per-port runtime state
PROPS="$RUN_DIR/server.properties"
LOG4J="$RUN_DIR/log4j2.properties"
PID_FILE="$RUN_DIR/kafka.pid"
LOG_FILE="$RUN_DIR/kafka.log"
PROBE_DIR="$DIST_DIR/probe"                      # compiled readiness probe
DATA_MARKER=".kafka-sh-data"

log() { printf '[kafka.sh] %s\n' "$*"; }
err() { printf '[kafka.sh] ERROR: %s\n' "$*" >&2; }

# True if something accepts TCP connections on 127.0.0.1:$1.
port_open() {
  local port="$1"
  if command -v timeout >/dev/null 2>&1; then
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
  fi
}

# Print the pid from the pid file if that process is alive and is our broker.
our_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against pid reuse: the process must be kafka.Kafka with our props.
  if [[ -r "/proc/$pid/cmdline" ]]; then
    local cmd
    cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    [[ "$cmd" == *kafka.Kafka*"$PROPS"* ]] || return 1
  fi
  printf '%s\n' "$pid"
}

check_java() {
  command -v "$JAVA" >/dev/null 2>&1 || { err "java not found (set JAVA_HOME or JAVA)"; exit 1; }
  local line major minor
  # (grep, not head -n1: JAVA_TOOL_OPTIONS makes java print a line first)
  line="$("$JAVA" -version 2>&1 | grep -m1 'version "' || true)"
  major="$(sed -E 's/.*version "([0-9]+)(\.([0-9]+))?.*/\1 \3/' <<<"$line")"
  read -r major minor <<<"$major"
  [[ "$major" == 1 ]] && major="${minor:-0}"
  if ! [[ "$major" =~ ^[0-9]+$ ]] || ((major < 17)); then
    err "Kafka 4.x brokers need Java 17+, found: $line"
    exit 1
  fi
}

# Download the broker classpath into $LIB_DIR once per Kafka version.
fetch() {
  if [[ -f "$DIST_DIR/.complete" ]]; then
    return 0
  fi
  command -v "$MVN" >/dev/null 2>&1 || { err "Maven ($MVN) not found; needed once to fetch Kafka $KAFKA_VERSION"; exit 1; }
  mkdir -p "$KAFKA_HOME_DIR/dist"
  # Serialize concurrent fetches of the same version.
  local lock="$KAFKA_HOME_DIR/dist/.fetch-$KAFKA_VERSION.lock"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$lock"
    flock 9
    if [[ -f "$DIST_DIR/.complete" ]]; then exec 9>&-; return 0; fi
  fi
  log "fetching Kafka $KAFKA_VERSION classpath from Maven Central (one time)..."
  local t0=$SECONDS tmp
  tmp="$(mktemp -d "$KAFKA_HOME_DIR/dist/.tmp-$KAFKA_VERSION.XXXXXX")"
  if ! "$MVN" -B -q -f "$POM" \
      -Dkafka.version="$KAFKA_VERSION" \
      dependency:copy-dependencies \
      -DincludeScope=runtime \
      -DoutputDirectory="$tmp/lib" >"$tmp/mvn.log" 2>&1; then
    err "Maven failed to fetch Kafka $KAFKA_VERSION:"
    tail -n 40 "$tmp/mvn.log" >&2 || true
    rm -rf "$tmp"
    exit 1
  fi
  if [[ ! -f "$tmp/lib/kafka_2.13-$KAFKA_VERSION.jar" ]]; then
    err "kafka_2.13-$KAFKA_VERSION.jar missing after Maven run"
    rm -rf "$tmp"
    exit 1
  fi
  printf '%s\n' "$KAFKA_VERSION" >"$tmp/.complete"
  rm -rf "$DIST_DIR"
  mv "$tmp" "$DIST_DIR"
  log "fetched $(find "$LIB_DIR" -name '*.jar' | wc -l) jars into $LIB_DIR in $((SECONDS - t0))s"
  if command -v flock >/dev/null 2>&1; then exec 9>&-; fi
}

write_config() {
  mkdir -p "$RUN_DIR"
  cat >"$PROPS" <<EOF
# Generated by scripts/kafka.sh -- single-node KRaft (broker+controller).
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA_DIR
num.partitions=$KAFKA_NUM_PARTITIONS
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# After an unclean stop (kill -9) the new process must wait for the old
# registration's session to expire before it is unfenced: keep that short.
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=4000
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
EOF
  if [[ -n "$KAFKA_EXTRA_PROPS" ]]; then
    printf '# KAFKA_EXTRA_PROPS\n%s\n' "$KAFKA_EXTRA_PROPS" >>"$PROPS"
  fi
  cat >"$LOG4J" <<'EOF'
# Generated by scripts/kafka.sh -- everything to stdout (redirected to kafka.log).
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.stdout.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = warn
logger.controller.name = org.apache.kafka.controller
logger.controller.level = info
logger.statechange.name = state.change.logger
logger.statechange.level = warn
logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = warn
EOF
}

# Wipe (unless keeping) and format the KRaft storage directory.
prepare_data() {
  if [[ "$KAFKA_KEEP_DATA" != 1 && -d "$KAFKA_DATA_DIR" ]]; then
    # Refuse to wipe a non-empty directory this script did not create.
    if [[ -f "$KAFKA_DATA_DIR/$DATA_MARKER" || -z "$(ls -A "$KAFKA_DATA_DIR")" ]]; then
      rm -rf "$KAFKA_DATA_DIR"
    else
      err "refusing to wipe $KAFKA_DATA_DIR (not created by kafka.sh); empty it or set KAFKA_KEEP_DATA=1"
      exit 1
    fi
  fi
  mkdir -p "$KAFKA_DATA_DIR"
  touch "$KAFKA_DATA_DIR/$DATA_MARKER"
  if [[ -f "$KAFKA_DATA_DIR/meta.properties" ]]; then
    log "keeping existing data in $KAFKA_DATA_DIR"
    return 0
  fi
  # A cluster id is a base64url-encoded random 16-byte UUID (22 chars).
  local cluster_id
  # Drawn again while it starts with '-': StorageTool would read it as an option (1 start in 64 failed).
  cluster_id="-"
  while [[ "$cluster_id" == -* ]]; do
    cluster_id="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  if ! "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dlog4j2.configurationFile="$LOG4J" -cp "$LIB_DIR/*" \
      kafka.tools.StorageTool format -t "$cluster_id" -c "$PROPS" --ignore-formatted \
      >"$RUN_DIR/format.log" 2>&1; then
    err "storage format failed:"
    cat "$RUN_DIR/format.log" >&2 || true
    exit 1
  fi
}

# Ready = the PLAINTEXT port answers and the server finished its startup
# (which, for a KRaft broker, includes being unfenced by the controller).
is_ready() {
  port_open "$KAFKA_PORT" || return 1
  grep -q -F 'Kafka Server started' "$LOG_FILE" 2>/dev/null
}

# Readiness probe written in Java against kafka-clients (already in lib/):
# waits until cluster metadata lists the broker, resolves a group coordinator
# (this creates __consumer_offsets) and initialises a transactional producer
# (this creates __transaction_state and allocates producer ids), so the first
# consumer group / idempotent producer of a test does not hit
# COORDINATOR_NOT_AVAILABLE / COORDINATOR_LOAD_IN_PROGRESS.
probe_source() {
  cat <<'EOF'
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class KafkaShProbe {
  public static void main(String[] args) throws Exception {
    long deadline = System.currentTimeMillis() + Long.parseLong(args[1]) * 1000L;
    Properties p = new Properties();
    p.put("bootstrap.servers", args[0]);
    p.put("request.timeout.ms", "5000");
    p.put("default.api.timeout.ms", "10000");
    try (Admin admin = Admin.create(p)) {
      while (true) {
        try {
          int n = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size();
          if (n < 1) throw new IllegalStateException("no brokers in cluster metadata");
          try {
            admin.describeConsumerGroups(List.of("kafka-sh-probe")).all().get(10, TimeUnit.SECONDS);
          } catch (ExecutionException e) {
            if (!(e.getCause() instanceof GroupIdNotFoundException)) throw e;
          }
          break;
        } catch (Exception e) {
          if (System.currentTimeMillis() > deadline) throw e;
          System.err.println("probe: not ready yet: " + e);
          Thread.sleep(300);
        }
      }
    }
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    p.put("transactional.id", "kafka-sh-probe");
    p.put("max.block.ms", String.valueOf(Math.max(5000L, deadline - System.currentTimeMillis())));
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      producer.initTransactions();
    }
    System.out.println("probe: ready");
  }
}
EOF
}

# Run the probe; compiled once per Kafka version (falls back to source-file
# launch without javac). Returns 0 if ready, 1 if not.
run_probe() {
  local timeout_s="$1" javac
  javac="$(dirname -- "$(command -v "$JAVA")")/javac"
  [[ -x "$javac" ]] || javac="$(command -v javac || true)"
  mkdir -p "$PROBE_DIR"
  if ! probe_source | cmp -s - "$PROBE_DIR/KafkaShProbe.java" \
      || [[ ! -f "$PROBE_DIR/classes/KafkaShProbe.class" ]]; then
    probe_source >"$PROBE_DIR/KafkaShProbe.java"
    rm -rf "$PROBE_DIR/classes"
    if [[ -n "$javac" ]]; then
      local tmp
      tmp="$(mktemp -d "$PROBE_DIR/.classes.XXXXXX")"
      if "$javac" -nowarn -cp "$LIB_DIR/*" -d "$tmp" "$PROBE_DIR/KafkaShProbe.java" >>"$RUN_DIR/probe.log" 2>&1; then
        mv "$tmp" "$PROBE_DIR/classes"
      else
        rm -rf "$tmp"
      fi
    fi
  fi
  cat >"$RUN_DIR/probe-log4j2.properties" <<'EOF'
status = error
appender.console.type = Console
appender.console.name = STDERR
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = probe %p %m (%c)%n
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = STDERR
EOF
  local -a jvm=("$JAVA" -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC
    -Dlog4j2.configurationFile="$RUN_DIR/probe-log4j2.properties")
  if [[ -f "$PROBE_DIR/classes/KafkaShProbe.class" ]]; then
    "${jvm[@]}" -cp "$PROBE_DIR/classes:$LIB_DIR/*" KafkaShProbe \
      "127.0.0.1:$KAFKA_PORT" "$timeout_s" >>"$RUN_DIR/probe.log" 2>&1
  else
    "${jvm[@]}" -cp "$LIB_DIR/*" "$PROBE_DIR/KafkaShProbe.java" \
      "127.0.0.1:$KAFKA_PORT" "$timeout_s" >>"$RUN_DIR/probe.log" 2>&1
  fi
}

wait_ready() {
  local pid="$1" deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      err "broker process $pid exited during startup; last log lines:"
      tail -n 60 "$LOG_FILE" >&2 || true
      rm -f "$PID_FILE"
      return 1
    fi
    if is_ready; then
      [[ "$KAFKA_READY_CHECK" == 1 ]] || return 0
      : >"$RUN_DIR/probe.log"
      if run_probe "$((deadline - SECONDS > 5 ? deadline - SECONDS : 5))"; then
        return 0
      fi
      err "broker log says started but the client probe failed:"
      tail -n 20 "$RUN_DIR/probe.log" >&2 || true
      err "last broker log lines:"
      tail -n 40 "$LOG_FILE" >&2 || true
      return 1
    fi
    sleep 0.5
  done
  err "broker not ready after ${KAFKA_START_TIMEOUT}s; last log lines:"
  tail -n 60 "$LOG_FILE" >&2 || true
  return 1
}

cmd_start() {
  local pid
  if pid="$(our_pid)"; then
    if is_ready; then
      log "broker already running (pid $pid) on 127.0.0.1:$KAFKA_PORT"
      return 0
    fi
    log "broker (pid $pid) is starting; waiting for it"
    local t0=$SECONDS
    wait_ready "$pid" || exit 1
    log "broker ready on 127.0.0.1:$KAFKA_PORT (pid $pid) after $((SECONDS - t0))s"
    return 0
  fi
  if port_open "$KAFKA_PORT"; then
    log "something already answers on 127.0.0.1:$KAFKA_PORT; assuming a broker is running (not starting another)"
    return 0
  fi
  if port_open "$KAFKA_CONTROLLER_PORT"; then
    err "controller port 127.0.0.1:$KAFKA_CONTROLLER_PORT is in use; set KAFKA_CONTROLLER_PORT"
    exit 1
  fi
  local t0=$SECONDS
  check_java
  fetch
  write_config
  prepare_data
  rm -f "$PID_FILE"
  if [[ -f "$LOG_FILE" ]]; then mv -f "$LOG_FILE" "$LOG_FILE.prev"; fi
  # Detach from the caller's session/process group so Ctrl-C or a finished
  # test runner does not take the broker down; stop it with `kafka.sh stop`.
  local setsid_cmd=()
  if command -v setsid >/dev/null 2>&1; then setsid_cmd=(setsid); fi
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS is intentionally word-split
  nohup "${setsid_cmd[@]}" "$JAVA" \
    $KAFKA_HEAP_OPTS \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$LOG4J" \
    -Dkafka.logs.dir="$RUN_DIR" \
    -cp "$LIB_DIR/*" \
    kafka.Kafka "$PROPS" \
    </dev/null >"$LOG_FILE" 2>&1 &
  pid=$!
  printf '%s\n' "$pid" >"$PID_FILE"
  log "starting Kafka $KAFKA_VERSION (pid $pid) on 127.0.0.1:$KAFKA_PORT, controller :$KAFKA_CONTROLLER_PORT, data $KAFKA_DATA_DIR"
  if ! wait_ready "$pid"; then
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$PID_FILE"
    exit 1
  fi
  log "broker ready on 127.0.0.1:$KAFKA_PORT (pid $pid) after $((SECONDS - t0))s; log: $LOG_FILE"
}

cmd_stop() {
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$PID_FILE"
    if port_open "$KAFKA_PORT"; then
      log "no broker started by kafka.sh on port $KAFKA_PORT (something else answers there; leaving it alone)"
    else
      log "broker not running"
    fi
    return 0
  fi
  log "stopping broker (pid $pid)..."
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "broker did not exit within ${KAFKA_STOP_TIMEOUT}s; sending SIGKILL"
    kill -9 "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
  # Make sure the listener sockets are gone before returning.
  local _
  for _ in $(seq 1 50); do
    port_open "$KAFKA_PORT" || break
    sleep 0.1
  done
  log "broker stopped"
}

cmd_kill() {
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$PID_FILE"
    log "no broker started by kafka.sh is running on port $KAFKA_PORT"
    return 0
  fi
  kill -9 "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$PID_FILE"
  log "broker (pid $pid) killed with SIGKILL"
}

cmd_status() {
  local pid=""
  pid="$(our_pid)" || pid=""
  if [[ -n "$pid" ]] && is_ready; then
    log "running: pid $pid, Kafka $KAFKA_VERSION, 127.0.0.1:$KAFKA_PORT (controller :$KAFKA_CONTROLLER_PORT), data $KAFKA_DATA_DIR, log $LOG_FILE"
    return 0
  elif [[ -n "$pid" ]]; then
    log "starting: pid $pid, not ready yet on 127.0.0.1:$KAFKA_PORT"
    return 3
  elif port_open "$KAFKA_PORT"; then
    log "something answers on 127.0.0.1:$KAFKA_PORT, but it was not started by kafka.sh"
    return 0
  fi
  log "not running (port $KAFKA_PORT)"
  return 3
}

cmd_logs() {
  if [[ -f "$LOG_FILE" ]]; then tail -n "${KAFKA_LOG_LINES:-100}" "$LOG_FILE"
  else log "no log at $LOG_FILE"
  fi
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  restart) cmd_stop; KAFKA_KEEP_DATA=1 cmd_start ;;
  kill) cmd_kill ;;
  status) cmd_status ;;
  logs) cmd_logs ;;
  fetch) check_java; fetch; log "Kafka $KAFKA_VERSION classpath cached in $LIB_DIR" ;;
  *)
    echo "usage: $0 start|stop|restart|kill|status|logs|fetch" >&2
    exit 2
    ;;
esac
