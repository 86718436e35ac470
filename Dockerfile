# Image for the web app, the Celery worker and Celery beat (docker-compose.yml).

# Bootstrap and ECharts come from npm, pinned by package-lock.json.
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WEB_CONCURRENCY=3 \
    DJANGO_STATICFILES_STORAGE=whitenoise.storage.CompressedManifestStaticFilesStorage

RUN useradd --system --create-home --home-dir /home/cvanalytics cvanalytics
WORKDIR /app

COPY requirements/ requirements/
RUN pip install -r requirements/production.txt

COPY --from=assets /src/node_modules/ node_modules/
COPY . .

# collectstatic imports the settings, which require both secrets to be set. These
# placeholders exist only during this step and encrypt nothing.
RUN DJANGO_SECRET_KEY=collectstatic-only \
    CVANALYTICS_ENCRYPTION_KEYS=collectstatic-only \
    python manage.py collectstatic --noinput \
    && mkdir -p var \
    && chown cvanalytics var

USER cvanalytics
EXPOSE 8000
# gunicorn reads its worker count from WEB_CONCURRENCY.
CMD ["gunicorn", "cvanalytics.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
