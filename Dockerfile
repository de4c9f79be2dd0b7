# Grimoire as a container: one image, three processes (the Procfile's), chosen by the command.
#   docker build -t grimoire .
#   docker run --env-file .env -p 8000:8000 grimoire            # web
#   docker run --env-file .env -e WORKER_METRICS_PORT=9100 grimoire python -m grimoire_bot worker
#   docker run --env-file .env grimoire python -m grimoire_bot migrate
# docker-compose.yml runs all of them with a PostgreSQL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    APP_ENV=production \
    PORT=8000

WORKDIR /app
COPY requirements.txt .
# Everything but pgserver: it bundles a whole PostgreSQL for running without DATABASE_URL,
# which production (APP_ENV=production, as set above) refuses to do anyway.
RUN grep -v '^pgserver' requirements.txt > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY grimoire_bot/ grimoire_bot/
COPY migrations/ migrations/
COPY app.yml Procfile ./

# Never run as root: the service needs to write nothing but its own temporary files.
RUN useradd --system --uid 10001 --home-dir /app grimoire
USER grimoire

EXPOSE 8000
# A web process answers /health (503 while PostgreSQL is unreachable); a worker answers
# /ping on WORKER_METRICS_PORT when that is set (without it a worker has nothing to probe:
# run it with --no-healthcheck).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-m", "grimoire_bot.healthcheck"]

CMD ["python", "-m", "grimoire_bot", "web"]
