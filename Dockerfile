# The gateway image: Daphne serving the Django ASGI app. Migrations run at container start
# (see docker-compose.yml) so a fresh database is ready before the first request.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# collectstatic needs settings to import; these throwaway values never reach runtime.
RUN DEBUG=1 REDIS_URL=redis://unused:6379/0 python manage.py collectstatic --noinput

RUN useradd --system --uid 10001 gateway && chown -R gateway /app
USER gateway

EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).status == 200 else 1)"

CMD ["sh", "-c", "python manage.py migrate --noinput && exec daphne -b 0.0.0.0 -p 8000 llmgateway.asgi:application"]
