# referral-bot's `serve` (every webhook channel and /healthz) in a container. compose.yaml runs two of
# them on one PostgreSQL (DATABASE_URL); alone, it counts into a SQLite file under /home/bot/data.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 \
    PORT=8080 \
    REFERRAL_CACHE_DIR=/home/bot/cache \
    REFERRAL_DB=/home/bot/data/counts.db

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin bot

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
RUN pip install . && rm -rf /src

USER bot
WORKDIR /home/bot
# Check the knowledge and cache it now, as the user that reads it (the cache must be this user's own):
# every container then starts without parsing the knowledge files.
RUN mkdir -p data && referral-bot check-knowledge

EXPOSE 8080
# Healthy: the process answers /healthz (200 even when "degraded": answers still flow while the
# database is away). Python's urllib: the image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8080'), timeout=4)"

CMD ["referral-bot", "serve"]
