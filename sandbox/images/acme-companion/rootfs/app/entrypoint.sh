#!/bin/bash
# Start-up checks of acme-companion 2.4 that matter for the wiring (socket, proxy container,
# writable volumes, default certificate), then the command (start.sh).
set -u
# shellcheck source=functions.sh
source /app/functions.sh

check_docker_socket() {
  local socket="${DOCKER_HOST#unix://}"
  if [ ! -S "$socket" ]; then
    log_error "you need to share your Docker host socket with a volume at $socket"
    echo "Typically you should run your container with: '-v /var/run/docker.sock:$socket:ro'" >&2
    exit 1
  fi
}

check_proxy_container() {
  if [ -z "${NGINX_PROXY_CONTAINER:-}" ]; then
    log_error "NGINX_PROXY_CONTAINER is not set; this stand-in finds the nginx-proxy container by that name only"
    exit 1
  fi
  if ! valid_container_name "$NGINX_PROXY_CONTAINER"; then
    log_error "NGINX_PROXY_CONTAINER=${NGINX_PROXY_CONTAINER} is not a container name"
    exit 1
  fi
  if ! proxy_is_running; then
    log_error "nginx-proxy container ${NGINX_PROXY_CONTAINER} isn't running"
    exit 1
  fi
  if ! proxy_runs_docker_gen; then
    log_error "${NGINX_PROXY_CONTAINER} does not run docker-gen (no DOCKER_GEN_VERSION); a separate docker-gen container is not supported here"
    exit 1
  fi
}

check_writable_directory() {
  local dir="$1"
  if [ ! -d "$dir" ] || ! touch "$dir/.check_writable" 2>/dev/null; then
    log_error "can't write to the '$dir' directory; mount it as a writable volume"
    exit 1
  fi
  rm -f "$dir/.check_writable"
}

# nginx-proxy answers TLS for unknown names with this certificate.
check_default_cert_key() {
  if [ -e /etc/nginx/certs/default.crt ] && [ -e /etc/nginx/certs/default.key ]; then
    return 0
  fi
  openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 365 \
    -subj '/CN=letsencrypt-nginx-proxy-companion' \
    -keyout /etc/nginx/certs/default.key.new -out /etc/nginx/certs/default.crt.new 2>/dev/null &&
    mv /etc/nginx/certs/default.key.new /etc/nginx/certs/default.key &&
    mv /etc/nginx/certs/default.crt.new /etc/nginx/certs/default.crt &&
    log "Info: a default key and certificate have been created at /etc/nginx/certs/default.key and /etc/nginx/certs/default.crt."
}

if [ "$*" = "/bin/bash /app/start.sh" ]; then
  log "Info: running acme-companion stand-in version ${COMPANION_VERSION}: self-signed certificates, no ACME server"
  log "Info: ACME_CA_URI=${ACME_CA_URI:-https://acme-v02.api.letsencrypt.org/directory} accepted but not contacted (no CA is reachable from dev)"
  log "Info: DEFAULT_EMAIL=${DEFAULT_EMAIL:-<unset>}"
  check_docker_socket
  check_proxy_container
  check_writable_directory /etc/nginx/certs
  check_writable_directory /etc/acme.sh
  check_writable_directory /usr/share/nginx/html
  check_default_cert_key
  reload_nginx
fi

exec "$@"
