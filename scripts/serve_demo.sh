#!/usr/bin/env bash
# Serve the demo: gunicorn in the foreground, the task worker and the scheduler beside it, and
# the care terminals' MQTT consumer when CUNSHE_MQTT_URL is set (without a broker, terminals
# still post to /api/v1/care/terminals/events). Ctrl-C (or any exit) stops them all.
set -euo pipefail
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
export CUNSHE_ENV="${CUNSHE_ENV:-demo}"
mkdir -p var/log
.venv/bin/python manage.py worker > var/log/worker.log 2>&1 &
worker=$!
.venv/bin/python manage.py scheduler > var/log/scheduler.log 2>&1 &
scheduler=$!
mqtt=""
if [ -n "${CUNSHE_MQTT_URL:-}" ]; then
  .venv/bin/python manage.py care_mqtt_consume --connections 4 > var/log/mqtt.log 2>&1 &
  mqtt=$!
  echo "Consuming terminal events from $CUNSHE_MQTT_URL (log in var/log/mqtt.log)"
fi
trap 'kill $worker $scheduler $mqtt 2>/dev/null || true' EXIT INT TERM
echo "Serving 村社通 at http://$HOST:$PORT  (worker and scheduler logs in var/log/; Ctrl-C stops)"
.venv/bin/gunicorn cunshe.wsgi:application --bind "$HOST:$PORT" \
    --workers 2 --threads 4 --access-logfile - --log-level warning
