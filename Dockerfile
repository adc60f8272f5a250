# Flacon's container image (SPEC section 13): the FastCGI workers in
# production mode, for an nginx and a MariaDB outside the container.
#
#   docker build -t flacon .                       (or: podman build -t flacon .)
#   docker run --rm -e FLACON_DATABASE_URL=... flacon db upgrade
#   docker run -e FLACON_APP_SECRET_KEY="$(head -c 32 /dev/urandom | base64)" \
#              -e FLACON_DATABASE_URL=mariadb://flacon:PASS@db:3306/flacon flacon
#
# compose.yaml wires it to MariaDB and nginx (README, "Deploying"). The image
# listens on 0.0.0.0:9000 (FastCGI, not HTTP: put nginx in front), runs as
# the unprivileged user flacon, refuses to start without
# FLACON_APP_SECRET_KEY, seeds nothing, and migrates only when asked to
# (`db upgrade`). Three stages: build (compiler and -dev packages), nginx
# (the production site with the static files, target "nginx") and the
# runtime image (runtime libraries only), which is the default target.
ARG BASE=debian:12

# ---- build: compile build/flacon -------------------------------------------
FROM ${BASE} AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev make \
       libfcgi-dev libmariadb-dev libjson-c-dev uuid-dev libsodium-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY app app
RUN make -j"$(nproc)" SYSCONF=/etc/flacon/flacon.conf build/flacon \
    && strip build/flacon

# ---- nginx: the production site conf in front of the flacon service --------
FROM ${BASE} AS nginx
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
    && apt-get install -y --no-install-recommends nginx-light \
    && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default \
    && ln -sf /dev/stdout /var/log/nginx/flacon-access.log \
    && ln -sf /dev/stderr /var/log/nginx/error.log
COPY www/static /usr/share/flacon/static
COPY conf/nginx/flacon-headers.conf conf/nginx/flacon-headers-map.conf conf/nginx/flacon-fastcgi.conf \
     /usr/share/flacon/nginx/
COPY conf/nginx/flacon.conf /etc/nginx/sites-enabled/flacon
# In compose the workers are the service "flacon" (one line per host of
# the upstream becomes that one name); the certificate is mounted at
# /etc/ssl/flacon/.
RUN sed -i -e 's|^\(\s*server\) 127\.0\.0\.1:9000 |\1 flacon:9000 |' \
           -e '/^\s*server 10\.0\.0\.[0-9]*:9000 /d' /etc/nginx/sites-enabled/flacon
EXPOSE 80 443
CMD ["nginx", "-g", "daemon off;"]

# ---- runtime: the default target ---------------------------------------------
FROM ${BASE}
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libfcgi0ldbl libmariadb3 libjson-c5 libsodium23 libuuid1 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --user-group --home-dir /nonexistent --no-create-home \
       --shell /usr/sbin/nologin flacon
COPY --from=build /src/build/flacon /usr/bin/flacon
COPY www/templates /usr/share/flacon/templates
COPY www/static /usr/share/flacon/static
COPY sql/migrations /usr/share/flacon/migrations
COPY conf/production/flacon.conf /etc/flacon/flacon.conf
# Production mode comes from /etc/flacon/flacon.conf; no secret key in the
# image: FLACON_APP_SECRET_KEY must come from outside, or runserver exits 1.
ENV FLACON_SERVER_LISTEN=0.0.0.0:9000
USER flacon
WORKDIR /
EXPOSE 9000
ENTRYPOINT ["/usr/bin/flacon"]
CMD ["runserver"]
