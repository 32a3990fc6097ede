# A mosquitto broker of our own for the run command's demo (and benchmarks), like
# pg_throwaway_start in common.sh. Source it after common.sh, with the virtual environment on
# PATH (the broker's password and ACL files come from the database's device keys).
#
# mqtt_broker_start [PORT]: writes the files into DIGIPLACE_MQTT_FILES_DIR (var/mosquitto by
#   default) and starts mosquitto on 127.0.0.1:PORT (18830 by default, a free port when that
#   one is taken), with persistence in that folder. Exports DIGIPLACE_MQTT_URL for the
#   ingest worker (user digiplace-ingest, its password kept in var/mqtt-ingest-password) and
#   sets MQTT_BROKER_PID and MQTT_BROKER_PORT. mqtt_broker_stop stops it cleanly (mosquitto
#   saves the messages it still holds).

mqtt_broker_start() {
  local port="${1:-18830}"
  port="$(python3 - "$port" <<'PY'
import socket, sys
wanted = int(sys.argv[1])
with socket.socket() as probe:
    try:
        probe.bind(("127.0.0.1", wanted))
    except OSError:
        probe.bind(("127.0.0.1", 0))
    print(probe.getsockname()[1])
PY
)"
  local secret_file="$ROOT/var/mqtt-ingest-password"
  mkdir -p "$ROOT/var"
  if [ ! -s "$secret_file" ]; then
    (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(24))' >"$secret_file")
  fi
  export DIGIPLACE_MQTT_URL="mqtt://digiplace-ingest:$(cat "$secret_file")@127.0.0.1:$port"
  python manage.py mqtt_broker --host 127.0.0.1 --port "$port" &
  MQTT_BROKER_PID=$!
  MQTT_BROKER_PORT="$port"
  local _
  # Django starts first (it writes the files), then becomes mosquitto: allow it a minute.
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      log "MQTT broker (mosquitto) running on 127.0.0.1:$port"
      return 0
    fi
    kill -0 "$MQTT_BROKER_PID" 2>/dev/null || { printf 'mosquitto did not start\n' >&2; return 1; }
    sleep 0.1
  done
  printf 'mosquitto is not listening on port %s\n' "$port" >&2
  return 1
}

mqtt_broker_stop() {
  [ -n "${MQTT_BROKER_PID:-}" ] || return 0
  if kill -0 "$MQTT_BROKER_PID" 2>/dev/null; then
    kill -TERM "$MQTT_BROKER_PID" 2>/dev/null || true
    wait "$MQTT_BROKER_PID" 2>/dev/null || true
  fi
  MQTT_BROKER_PID=""
}
