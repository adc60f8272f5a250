# Flacon in a container: a thin wrapper over the same Makefile targets that
# the tests exercise (make run installs what is missing, builds, starts a
# private MariaDB, the workers and nginx). Build: docker build -t flacon .
# Run: docker run -p 8080:8080 flacon
FROM debian:12
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y --no-install-recommends make ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/flacon
COPY . .
# Installs the Debian packages of scripts/deps.sh and builds build/flacon.
RUN make deps all
EXPOSE 8080
# nginx listens on 127.0.0.1 in conf/nginx.conf.in; in a container the
# published port must reach it, so listen on all interfaces here.
ENV FLACON_LISTEN_ADDR=0.0.0.0
CMD ["make", "run"]
