#!/bin/sh
# mosquitto's entrypoint in Docker Compose: waits for the password and ACL files the platform
# writes (the MQTT ingest worker writes them when it starts; the web and the worker rewrite
# them whenever a device key is issued or revoked), starts mosquitto and sends it SIGHUP when
# they change, so that a new key works and a revoked one is refused within seconds. (The
# platform's own SIGHUP cannot cross containers.) POSIX sh: the image has BusyBox.
#
# MOSQUITTO_CONFIG, MOSQUITTO_FILES and RELOAD_SECONDS may be set to run it elsewhere.
set -eu
config="${MOSQUITTO_CONFIG:-/mosquitto/config/mosquitto.conf}"
files="${MOSQUITTO_FILES:-/mosquitto/files}"
every="${RELOAD_SECONDS:-5}"

while [ ! -f "$files/passwords" ] || [ ! -f "$files/acl" ]; do
  echo "Waiting for the platform to write $files/passwords and $files/acl"
  sleep "$every"
done

fingerprint() { cat "$files/passwords" "$files/acl" 2>/dev/null | cksum; }

mosquitto -c "$config" &
broker=$!
trap 'kill -TERM "$broker" 2>/dev/null; wait "$broker"; exit 0' TERM INT
seen="$(fingerprint)"
while kill -0 "$broker" 2>/dev/null; do
  sleep "$every" &
  wait $! || true
  now="$(fingerprint)"
  if [ "$now" != "$seen" ]; then
    seen="$now"
    echo "The password or ACL file changed: reloading mosquitto"
    kill -HUP "$broker" 2>/dev/null || true
  fi
done
wait "$broker"
