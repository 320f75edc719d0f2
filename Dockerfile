# nbreview's pull-request bot (GitHub App): one image for the web and worker processes.
#   docker build -t nbreview-bot .
#   docker run -p 8000:8000 --env-file bot.env -v nbreview-queue:/var/lib/nbreview nbreview-bot
# runs the webhook and a worker in one container on the embedded SQLite queue; see
# deploy/compose.yaml for web + worker + Redis.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    NBREVIEW_QUEUE=sqlite:///var/lib/nbreview/queue.db

WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY web ./web
RUN pip install ".[bot,gitlab]" && rm -rf /src \
    && useradd --system --home-dir /var/lib/nbreview --create-home nbreview

USER nbreview
WORKDIR /var/lib/nbreview
VOLUME ["/var/lib/nbreview"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"
ENTRYPOINT ["nbreview", "bot"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
