# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DEBUG=0
WORKDIR /app

COPY requirements.txt .
# Every package of the tree is pinned with its hashes: a changed file on the index fails.
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.txt

COPY . .
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && useradd --system --home /app titz && mkdir -p /app/var && chown -R titz /app/var
USER titz

EXPOSE 8000
CMD ["gunicorn"]
