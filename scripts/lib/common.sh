# Shared steps of the run, test and bench commands. Source it; it sets ROOT and VENV.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"
cd "$ROOT"

log() { printf '\n==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# apt_install PACKAGE... : installs the Debian packages that are missing.
apt_install() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "Installing Debian packages: ${missing[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

# python_env [EXTRAS]: the virtual environment with the project installed (re-done when pyproject changes).
python_env() {
  local extras="${1:-}"
  local stamp="$VENV/.digiplace-installed${extras:+-$extras}"
  if [ ! -x "$VENV/bin/python" ]; then
    log "Creating the virtual environment in .venv"
    python3 -m venv "$VENV"
  fi
  if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
    log "Installing Python packages"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e ".${extras:+[$extras]}"
    touch "$stamp"
  fi
  export PATH="$VENV/bin:$PATH"
}

# pg_throwaway_start: a PostgreSQL server of our own in a temporary folder, on a free port.
# Sets DATABASE_URL and PG_THROWAWAY_DIR; pg_throwaway_stop removes it.
pg_throwaway_start() {
  local bindir
  bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  PG_THROWAWAY_DIR="$(mktemp -d /tmp/digiplace-pg.XXXXXX)"
  local port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
  # initdb refuses to run as root: the cluster belongs to the postgres system user.
  local owner=postgres
  if [ "$(id -u)" -ne 0 ]; then owner="$(id -un)"; fi
  chmod 755 "$PG_THROWAWAY_DIR"
  [ "$(id -u)" -eq 0 ] && chown "$owner" "$PG_THROWAWAY_DIR"
  run_as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u "$owner" -- "$@"; else "$@"; fi; }
  run_as_owner "$bindir/initdb" -D "$PG_THROWAWAY_DIR/data" -U digiplace --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >> "$PG_THROWAWAY_DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$PG_THROWAWAY_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 256MB
CONF
  run_as_owner "$bindir/pg_ctl" -D "$PG_THROWAWAY_DIR/data" -l "$PG_THROWAWAY_DIR/server.log" -w start >/dev/null
  run_as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U digiplace digiplace
  export DATABASE_URL="postgres://digiplace@127.0.0.1:$port/digiplace"
  export PG_THROWAWAY_DIR PG_THROWAWAY_BIN="$bindir" PG_THROWAWAY_OWNER="$owner"
  log "PostgreSQL ($(basename "$(dirname "$bindir")")) running on port $port"
}

pg_throwaway_stop() {
  [ -n "${PG_THROWAWAY_DIR:-}" ] && [ -d "$PG_THROWAWAY_DIR" ] || return 0
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$PG_THROWAWAY_OWNER" -- "$PG_THROWAWAY_BIN/pg_ctl" -D "$PG_THROWAWAY_DIR/data" -m fast stop >/dev/null 2>&1 || true
  else
    "$PG_THROWAWAY_BIN/pg_ctl" -D "$PG_THROWAWAY_DIR/data" -m fast stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PG_THROWAWAY_DIR"
}
