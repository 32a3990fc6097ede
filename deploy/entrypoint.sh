#!/bin/sh
# The image's entrypoint (deploy/Dockerfile): runs the command it is given, after
# - gunicorn (the web role): `manage.py upgrade` (system checks with --deploy, migrations;
#   one process at a time under a lock). gunicorn listens only once it passed, so Caddy sends
#   nothing to a container that is not ready; a failure stops the container before it serves.
# - the worker, the scheduler and the MQTT ingest worker: waiting until the database is at
#   this version's migrations (the web container migrates it).
# Anything else runs as given, e.g. `docker compose run --rm worker python manage.py backup FILE`.
set -eu
cd /app

wait_for_migrations() {
  until python manage.py migrate --check >/dev/null 2>&1; do
    echo "Waiting for the database to be migrated to this version (the web service runs manage.py upgrade)"
    sleep 5
  done
}

case "${1:-}" in
  gunicorn)
    # Static files come with the image.
    python manage.py upgrade --no-collectstatic
    ;;
  python)
    if [ "${2:-}" = manage.py ]; then
      case "${3:-}" in
        db_worker | scheduler | urbandata_mqtt) wait_for_migrations ;;
      esac
    fi
    ;;
esac
exec "$@"
