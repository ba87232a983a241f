#!/bin/bash
# The two long-running processes of acme-companion: the certificate service and docker-gen,
# which rewrites the host list on every container event and wakes the service.

term_handler() {
  [ -n "${docker_gen_pid:-}" ] && kill "$docker_gen_pid" 2>/dev/null
  [ -n "${service_pid:-}" ] && kill "$service_pid" 2>/dev/null
  exit 0
}
trap term_handler INT QUIT TERM

rm -f /run/letsencrypt_service.ready
/app/letsencrypt_service &
service_pid=$!
# docker-gen signals the service right after its first render; the service must have its
# USR1 trap by then, or the signal would kill it.
for _ in $(seq 100); do
  [ -e /run/letsencrypt_service.ready ] && break
  sleep 0.1
done

docker-gen -watch -notify /app/signal_le_service -wait "${DOCKER_GEN_WAIT:-5s:20s}" /app/hosts.tmpl /app/hosts &
docker_gen_pid=$!

while [ -e "/proc/$docker_gen_pid" ]; do
  wait "$docker_gen_pid"
done
term_handler
