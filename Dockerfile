# One image for every Rekindle process: `rekindle serve` (api) and `rekindle worker ...`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    REKINDLE_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY projections ./projections
COPY api ./api
COPY consumers ./consumers
RUN pip install . \
    && useradd --system --home-dir /data --create-home rekindle
USER rekindle

EXPOSE 8000
CMD ["rekindle", "serve", "--host", "0.0.0.0", "--port", "8000"]
