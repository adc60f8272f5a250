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
# FLACON_APP_SECRET_KEY (or FLACON_APP_SECRET_KEY_FILE), seeds nothing,
# and migrates only when asked to (`db upgrade`). Three stages: build
# (compiler and -dev packages, the binary hardened with dpkg-buildflags),
# nginx (the production site with the static files, target "nginx") and
# the runtime image (runtime libraries only), which is the default target.
# No apt lists or caches in the shipped stages.
ARG BASE=debian:12

# ---- build: compile build/flacon -------------------------------------------
# With Debian's hardening flags, as `make deb` builds it (dpkg-buildflags,
# hardening=+all: _FORTIFY_SOURCE=2, -fstack-protector-strong, relro and
# BIND_NOW, PIE). The build stage is not shipped: its apt lists may stay.
FROM ${BASE} AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev make dpkg-dev \
       libfcgi-dev libmariadb-dev libjson-c-dev uuid-dev libsodium-dev
WORKDIR /src
COPY Makefile ./
COPY app app
RUN export DEB_BUILD_MAINT_OPTIONS=hardening=+all \
    && make -j"$(nproc)" SYSCONF=/etc/flacon/flacon.conf OPT=-O2 \
       XCFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
       XLDLIBS="$(dpkg-buildflags --get LDFLAGS)" build/flacon \
    && strip build/flacon

# ---- nginx: the production site conf in front of the flacon service --------
# Logs: the access log to stdout, every error log to stderr (none is a file
# in the container). apt's lists and caches go in the layer that made them.
FROM ${BASE} AS nginx
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
    && apt-get install -y --no-install-recommends nginx-light openssl \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /etc/nginx/sites-enabled/default \
    && ln -sf /dev/stdout /var/log/nginx/access.log \
    && ln -sf /dev/stdout /var/log/nginx/flacon-access.log \
    && ln -sf /dev/stderr /var/log/nginx/error.log
COPY www/static /usr/share/flacon/static
COPY conf/nginx/flacon-headers.conf conf/nginx/flacon-headers-map.conf conf/nginx/flacon-fastcgi.conf \
     /etc/nginx/snippets/
COPY conf/nginx/flacon.conf /etc/nginx/sites-enabled/flacon
COPY conf/container/nginx-entrypoint conf/container/nginx-healthcheck /usr/local/bin/
# In compose the workers are the service "flacon" (one line per host of
# the upstream becomes that one name); the certificate is mounted at
# /etc/ssl/flacon/ and reached through /run/flacon-tls/ (nginx-entrypoint:
# a self-signed one there when none is mounted); the site's error log goes
# to stderr.
RUN sed -i -e 's|^\(\s*server\) 127\.0\.0\.1:9000 |\1 flacon:9000 |' \
           -e '/^\s*server 10\.0\.0\.[0-9]*:9000 /d' \
           -e 's|/etc/ssl/flacon/|/run/flacon-tls/|' \
           -e 's|^\(\s*error_log\) /var/log/nginx/[^ ;]*|\1 stderr|' /etc/nginx/sites-enabled/flacon
EXPOSE 80 443
ENTRYPOINT ["/usr/local/bin/nginx-entrypoint"]
CMD ["nginx", "-g", "daemon off;"]

# ---- runtime: the default target ---------------------------------------------
FROM ${BASE}
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libfcgi0ldbl libmariadb3 libjson-c5 libsodium23 libuuid1 libfcgi-bin \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
    && useradd --system --user-group --home-dir /nonexistent --no-create-home \
       --shell /usr/sbin/nologin flacon
COPY --from=build /src/build/flacon /usr/bin/flacon
COPY www/templates /usr/share/flacon/templates
COPY www/static /usr/share/flacon/static
COPY sql/migrations /usr/share/flacon/migrations
COPY conf/production/flacon.conf /etc/flacon/flacon.conf
COPY conf/container/flacon-entrypoint conf/container/flacon-healthcheck /usr/local/bin/
# Production mode comes from /etc/flacon/flacon.conf; no secret key in the
# image: FLACON_APP_SECRET_KEY (or FLACON_APP_SECRET_KEY_FILE, a secret's
# file: flacon-entrypoint reads every FLACON_*_FILE) must come from
# outside, or runserver exits 1.
ENV FLACON_SERVER_LISTEN=0.0.0.0:9000
USER flacon
WORKDIR /
EXPOSE 9000
ENTRYPOINT ["/usr/local/bin/flacon-entrypoint"]
CMD ["runserver"]
