# The ITAM image: one image for the web (gunicorn), Celery worker and Celery beat services.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 10001 itam

# Dependencies first, so a code change does not reinstall them. Installing the project installs
# its dependencies only (pyproject.toml: packages = []); the app runs from /app.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .
# Static files are collected at build time (WhiteNoise serves them); the key is a throwaway that
# exists only for this step, never used at run time.
RUN DEBUG=0 SECRET_KEY=collectstatic-at-build-time-only-not-a-real-secret-key-0000 \
        python manage.py collectstatic --noinput \
    && mkdir -p /app/media /app/var \
    && chown -R itam:itam /app/media /app/var

USER itam
EXPOSE 8000
CMD ["gunicorn", "itam.wsgi", "-w", "4", "-b", "0.0.0.0:8000", "--access-logfile", "-"]
