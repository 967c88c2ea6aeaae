# syncd as a container: the wheel on a slim Python, run as an unprivileged user.
# Build: docker build -t syncd .   Trial with PostgreSQL and the emulators: deploy/compose.yaml.
# Settings: /etc/syncd/syncd.toml (SYNCD_CONFIG); secrets as files in /run/secrets (a Docker or
# Kubernetes secret mounted there: state_url, jira__<name>__api_token, linear__<name>__api_key) or as
# SYNCD_* environment variables. The health check asks /healthz, which answers 503 when a tracker is stale.

FROM python:3.12-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY syncd ./syncd
COPY config ./config
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

FROM python:3.12-slim-bookworm
RUN groupadd --system --gid 10001 syncd \
    && useradd --system --uid 10001 --gid syncd --home-dir /var/lib/syncd --create-home --shell /usr/sbin/nologin syncd
COPY --from=build /dist/ /tmp/dist/
RUN pip install --no-cache-dir /tmp/dist/*.whl && rm -rf /tmp/dist
ENV PYTHONUNBUFFERED=1 \
    SYNCD_CONFIG=/etc/syncd/syncd.toml \
    CREDENTIALS_DIRECTORY=/run/secrets \
    STATE_DIRECTORY=/var/lib/syncd \
    SYNCD_LOG_FORMAT=json \
    SYNCD_SERVICE__HEALTH__HOST=0.0.0.0
USER 10001:10001
WORKDIR /var/lib/syncd
VOLUME ["/var/lib/syncd"]
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request as u; sys.exit(u.urlopen('http://127.0.0.1:9464/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["syncd"]
CMD ["run"]
