#!/bin/bash
# Shared by the stand-in's scripts: logging and the Docker Engine API over the mounted socket.

log() { printf '%s %s\n' "$(date '+%Y/%m/%d %T')" "$*"; }
log_error() { printf '%s Error: %s\n' "$(date '+%Y/%m/%d %T')" "$*" >&2; }

# docker_api PATH [METHOD [JSON]]: one request to the Engine API; prints the response body.
docker_api() {
  local path="$1" method="${2:-GET}" data="${3:-}"
  local opts=(--silent --show-error --fail --max-time 60 --unix-socket "${DOCKER_HOST#unix://}" -X "$method")
  [ -n "$data" ] && opts+=(-H 'Content-Type: application/json' -d "$data")
  curl "${opts[@]}" "http://localhost${path}"
}

# Container names are [a-zA-Z0-9][a-zA-Z0-9_.-]*: anything else would change the API path.
valid_container_name() { [[ "$1" =~ ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$ ]]; }

proxy_is_running() {
  [ "$(docker_api "/containers/${NGINX_PROXY_CONTAINER}/json" | jq -r '.State.Running')" = true ]
}

# The proxy runs docker-gen itself (nginx-proxy sets DOCKER_GEN_VERSION); acme-companion
# reloads such a proxy with an exec instead of signalling a separate docker-gen container.
proxy_runs_docker_gen() {
  docker_api "/containers/${NGINX_PROXY_CONTAINER}/json" | jq -e '.Config.Env | any(startswith("DOCKER_GEN_VERSION="))' >/dev/null
}

# What acme-companion's reload_nginx runs in a proxy that carries docker-gen: render the
# template again (it reads the certificates that exist now), then reload nginx.
reload_nginx() {
  local cmd='["sh", "-c", "/app/docker-entrypoint.sh /usr/local/bin/docker-gen /app/nginx.tmpl /etc/nginx/conf.d/default.conf; /usr/sbin/nginx -s reload"]'
  local exec_id output code
  log "Reloading nginx proxy (${NGINX_PROXY_CONTAINER})..."
  exec_id="$(docker_api "/containers/${NGINX_PROXY_CONTAINER}/exec" POST \
    "{\"AttachStdin\": false, \"AttachStdout\": true, \"AttachStderr\": true, \"Tty\": false, \"Cmd\": ${cmd}}" | jq -r .Id)" || exec_id=
  if [ -z "$exec_id" ] || [ "$exec_id" = null ]; then
    log_error "can't exec in ${NGINX_PROXY_CONTAINER}; is it running?"
    return 1
  fi
  # The attached output is Docker's multiplexed stream: keep the log lines, drop the frame headers.
  output="$(docker_api "/exec/${exec_id}/start" POST '{"Detach": false, "Tty": false}' | tr -d '\000' |
    sed -rn 's/^.*([0-9]{4}\/[0-9]{2}\/[0-9]{2}.*)$/\1/p')" || true
  [ -n "$output" ] && printf '%s\n' "$output"
  code="$(docker_api "/exec/${exec_id}/json" | jq -r .ExitCode)"
  if [ "$code" != 0 ]; then
    log_error "reloading ${NGINX_PROXY_CONTAINER} exited with ${code}"
    return 1
  fi
}
