# One image for the web app and the Celery worker. The clinician interface is built in its own stage and served
# by the nginx service in docker-compose.yml.
FROM node:20-bookworm-slim AS interface
WORKDIR /build/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim-bookworm AS app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    ORALCARE_VAR_DIR=/var/lib/oralcare FRONTEND_BUILD_DIR=/app/frontend/out
RUN useradd --system --create-home --home-dir /home/oralcare oralcare \
    && mkdir -p /var/lib/oralcare/media /var/lib/oralcare/models /var/lib/oralcare/static \
    && chown -R oralcare: /var/lib/oralcare
WORKDIR /app
COPY requirements.txt requirements-ml.txt ./
RUN pip install -r requirements-ml.txt
COPY . .
COPY --from=interface /build/frontend/out /app/frontend/out
# collectstatic needs settings that import cleanly; the real secret comes from the environment at run time.
RUN DJANGO_DEBUG=false DJANGO_SECRET_KEY=collectstatic-only-$(head -c 48 /dev/urandom | base64) \
    python manage.py collectstatic --noinput
USER oralcare
EXPOSE 8000
CMD ["gunicorn", "oralcare.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
