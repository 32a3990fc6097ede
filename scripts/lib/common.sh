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

# pytest_pass postgresql|sqlite [PYTEST ARGUMENTS]: one pass of the test suite on that
# database: PostgreSQL from DATABASE_URL (pg_throwaway_start), SQLite without it. The root
# conftest stops the run if Django's database is another one; a pass that runs no test fails.
pytest_pass() {
  local database="$1"
  shift
  local -a unset_url=()
  case "$database" in
    postgresql)
      if [ -z "${DATABASE_URL:-}" ]; then
        printf 'pytest_pass postgresql: DATABASE_URL is not set\n' >&2
        return 2
      fi
      log "pytest on PostgreSQL (unit, integration, browser)" ;;
    sqlite)
      unset_url=(-u DATABASE_URL)
      log "pytest on SQLite, the embedded default (unit, integration, browser)" ;;
    *)
      printf 'pytest_pass: unknown database %s (postgresql or sqlite)\n' "$database" >&2
      return 2 ;;
  esac
  local status=0
  env "${unset_url[@]}" DIGIPLACE_MODE=test DIGIPLACE_TEST_DATABASE="$database" \
    python -m pytest "$@" || status=$?
  if [ "$status" -eq 5 ]; then
    printf '\npytest ran no test on %s (exit status 5): that is a failure here.\n' "$database" >&2
  elif [ "$status" -ne 0 ]; then
    printf '\npytest on %s failed (exit status %s).\n' "$database" "$status" >&2
  fi
  return "$status"
}
