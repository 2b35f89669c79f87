# mockrc, the fake RingCentral, as a container: docker build -t mockrc . && docker run -p 8080:8080 mockrc
#
# Every option of mockrc serve is also a MOCKRC_* environment variable (the README's "Run it in a
# container"): -e MOCKRC_ADMIN_KEY=... sets the key of /__mockrc, -e MOCKRC_STATE_FILE=/data/mockrc.db
# with -v mockrc-data:/data keeps the state on a volume. The image sets its defaults the same way
# (ENV below, not flags), so any variable given to docker run wins over them.
ARG PYTHON_IMAGE=python:3.11-slim

# --- build: the project installed from source into a virtualenv of its own ---------------------------
FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY mockrc/ mockrc/
COPY fixtures/ fixtures/
COPY scenarios/ scenarios/
RUN python3 -m venv /opt/mockrc \
    && /opt/mockrc/bin/pip install --no-cache-dir --disable-pip-version-check . \
    && /opt/mockrc/bin/mockrc --version

# --- run: the virtualenv alone, as a user without privileges ----------------------------------------
FROM ${PYTHON_IMAGE}
RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin mockrc \
    && mkdir /data && chown mockrc:mockrc /data
COPY --from=build /opt/mockrc /opt/mockrc
ENV PATH=/opt/mockrc/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    MOCKRC_HOST=0.0.0.0 \
    MOCKRC_PORT=8080 \
    MOCKRC_ALLOW_REMOTE=true
# /data is where a state file goes when asked for (MOCKRC_STATE_FILE); it is no VOLUME of its own,
# so a container that keeps nothing leaves no anonymous volume behind.
WORKDIR /data
USER mockrc
EXPOSE 8080
# /__mockrc/health needs no admin key; the slim image has no curl, so Python asks.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('MOCKRC_PORT', '8080') + '/__mockrc/health', timeout=2)"]
ENTRYPOINT ["mockrc"]
CMD ["serve"]
