/**
 * An nginx config shaped like the one nginx-proxy 1.6 generates (its `nginx.tmpl`), for testing
 * the rendered vhost.d snippets with a real nginx: the http-level maps, `log_format vhost` and
 * `proxy_set_header` block; per vhost an upstream and a server block that includes
 * `vhost.d/<host>` or else `vhost.d/default` before `location /`; the DEFAULT_HOST's servers
 * carry `default_server`; a vhost with a certificate has a port-80 server that only serves ACME
 * challenges and redirects; a vhost without one (before its first certificate) is served on port
 * 80 with the include and the ACME challenge location. nginx-proxy runs with `HSTS=off`
 * (docs/decisions/0061), so no template HSTS header appears here.
 */

/** One `VIRTUAL_HOST`. */
export interface ShapeVhost {
  /** The `VIRTUAL_HOST` name. */
  readonly host: string;
  /** Loopback port of the proxied app. */
  readonly upstreamPort: number;
  /** Whether a certificate exists (HTTPS server plus redirect), or the vhost is plain HTTP. */
  readonly tls: boolean;
  /** Path of `/etc/nginx/htpasswd/<host>` when the vhost has basic auth. */
  readonly htpasswd?: string;
}

/** Arguments of {@link nginxProxyShapedConfig}. */
export interface ShapeArgs {
  /** Working directory (logs, temp paths, ACME webroot `<dir>/html`). */
  readonly dir: string;
  /** The vhost.d directory as nginx sees it. */
  readonly vhostDir: string;
  /** Files present in vhost.d (nginx-proxy checks existence at generation time). */
  readonly vhostFiles: readonly string[];
  /** Loopback port standing in for 80. */
  readonly httpPort: number;
  /** Loopback port standing in for 443. */
  readonly httpsPort: number;
  /** Certificate and key used for every TLS vhost. */
  readonly cert: string;
  readonly key: string;
  /** The DEFAULT_HOST. */
  readonly defaultHost: string;
  readonly vhosts: readonly ShapeVhost[];
  /** `user` directive for the workers, when the master runs as root. */
  readonly user?: string;
}

const ACME_LOCATION = (dir: string) => `
    location /.well-known/acme-challenge/ {
        auth_basic off;
        allow all;
        root ${dir}/html;
        try_files $uri =404;
        break;
    }`;

function vhostInclude(args: ShapeArgs, host: string): string {
  if (args.vhostFiles.includes(host)) return `    include ${args.vhostDir}/${host};`;
  if (args.vhostFiles.includes("default")) return `    include ${args.vhostDir}/default;`;
  return "";
}

function location(v: ShapeVhost): string {
  const auth = v.htpasswd
    ? `
        auth_basic "Restricted ${v.host}";
        auth_basic_user_file ${v.htpasswd};`
    : "";
  return `
    location / {
        proxy_pass http://${v.host};
        set $upstream_keepalive false;${auth}
    }`;
}

/** The whole nginx.conf. */
export function nginxProxyShapedConfig(args: ShapeArgs): string {
  const servers = args.vhosts.map((v) => {
    const def = v.host === args.defaultHost ? " default_server" : "";
    const upstream = `upstream ${v.host} {\n    server 127.0.0.1:${v.upstreamPort};\n}`;
    if (!v.tls) {
      return `${upstream}
server {
    server_name ${v.host};
    access_log ${args.dir}/access.log vhost;
    listen 127.0.0.1:${args.httpPort}${def};
${vhostInclude(args, v.host)}
${ACME_LOCATION(args.dir)}
${location(v)}
}`;
    }
    return `${upstream}
server {
    server_name ${v.host};
    access_log ${args.dir}/access.log vhost;
    listen 127.0.0.1:${args.httpPort}${def};
${ACME_LOCATION(args.dir)}
    location / {
        return 301 https://$host$request_uri;
    }
}
server {
    server_name ${v.host};
    access_log ${args.dir}/access.log vhost;
    listen 127.0.0.1:${args.httpsPort} ssl http2${def};
    ssl_session_timeout 5m;
    ssl_session_cache shared:SSL:1m;
    ssl_session_tickets off;
    ssl_certificate ${args.cert};
    ssl_certificate_key ${args.key};
${vhostInclude(args, v.host)}
${location(v)}
}`;
  });
  return `${args.user ? `user ${args.user};` : ""}
worker_processes 1;
events { worker_connections 64; }
http {
    client_body_temp_path ${args.dir}/tmp/body;
    proxy_temp_path ${args.dir}/tmp/proxy;
    fastcgi_temp_path ${args.dir}/tmp/fastcgi;
    uwsgi_temp_path ${args.dir}/tmp/uwsgi;
    scgi_temp_path ${args.dir}/tmp/scgi;
    default_type application/octet-stream;

    map $http_x_forwarded_proto $proxy_x_forwarded_proto {
        default $http_x_forwarded_proto;
        '' $scheme;
    }
    map $http_x_forwarded_host $proxy_x_forwarded_host {
        default $http_x_forwarded_host;
        '' $host;
    }
    map $http_x_forwarded_port $proxy_x_forwarded_port {
        default $http_x_forwarded_port;
        '' $server_port;
    }
    map $http_upgrade $proxy_connection {
        default upgrade;
        '' close;
    }
    map $scheme $proxy_x_forwarded_ssl {
        default off;
        https on;
    }
    server_names_hash_bucket_size 128;
    log_format vhost '$host $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$upstream_addr"';
    access_log off;
    error_log ${args.dir}/error.log warn;

    proxy_http_version 1.1;
    proxy_buffering off;
    proxy_set_header Host $http_host;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $proxy_connection;
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Host $proxy_x_forwarded_host;
    proxy_set_header X-Forwarded-Proto $proxy_x_forwarded_proto;
    proxy_set_header X-Forwarded-Ssl $proxy_x_forwarded_ssl;
    proxy_set_header X-Forwarded-Port $proxy_x_forwarded_port;
    proxy_set_header Proxy "";

${servers.join("\n")}
}
`;
}
