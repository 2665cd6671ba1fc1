# Knotwork: one image for every role. The default command is embedded mode (web app, SQLite in /data,
# executions in the same process); queue mode runs the same image with another command per role:
#   knotwork web       web app (and scheduler leader election), port 8080
#   knotwork webhook   webhook-only processes, port 5679
#   knotwork worker    runs executions from Redis (no port)
#   knotwork migrate   upgrades the database schema and exits (run once before the others)
# deploy/compose.yaml and deploy/k8s/ use exactly these commands; tests/deploy checks that they agree.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KNOTWORK_DATA_DIR=/data \
    KNOTWORK_HOST=0.0.0.0 \
    KNOTWORK_PORT=8080 \
    KNOTWORK_WEBHOOK_PORT=5679

WORKDIR /opt/knotwork
COPY pyproject.toml README.md main.py worker.py ./
COPY api ./api
COPY cli ./cli
COPY engine ./engine
COPY models ./models
COPY nodes ./nodes
COPY services ./services
COPY ui ./ui
COPY docs ./docs
# services/docs.py serves the Markdown pages from docs/ beside the installed packages.
RUN pip install . && rm -rf /opt/knotwork/build \
    && python -c "import pathlib, shutil, services; shutil.copytree('docs', pathlib.Path(services.__file__).parents[1] / 'docs')"

RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home knotwork \
    && mkdir -p /data && chown knotwork:knotwork /data
USER 10001:10001
WORKDIR /data
VOLUME /data
EXPOSE 8080 5679

# /healthz of the web process (the webhook role answers it on KNOTWORK_WEBHOOK_PORT; workers serve
# no HTTP, so deploy/compose.yaml gives those roles their own check).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('KNOTWORK_PORT', '8080') + '/healthz', timeout=4)"]

CMD ["knotwork", "web"]
