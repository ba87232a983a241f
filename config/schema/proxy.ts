import { z } from "zod";
import { hostnameSchema } from "./hostname";
import { absolutePathSchema, dockerNameSchema, portSchema } from "./fields";

/** `hemma:proxy`: nginx-proxy and acme-companion (docs/decisions/0007 for the storage choices). */
export const proxySchema = z.strictObject({
  /** nginx-proxy container name. Default `nginx-proxy`. */
  containerName: dockerNameSchema.default("nginx-proxy"),
  /** acme-companion container name. Default `acme-companion`. */
  acmeContainerName: dockerNameSchema.default("acme-companion"),
  /** Host directory bind-mounted at `/etc/nginx/vhost.d` (hardening snippets). */
  vhostDir: absolutePathSchema.default("/home/paunchygent/infrastructure/nginx/vhost.d"),
  /** Host directory bind-mounted read-only at `/etc/nginx/htpasswd` (basic-auth files). */
  htpasswdDir: absolutePathSchema.default("/home/paunchygent/infrastructure/htpasswd"),
  /** Host directory bind-mounted at `/etc/nginx/conf.d` extras (security headers). */
  confdDir: absolutePathSchema.default("/home/paunchygent/infrastructure/nginx/conf.d"),
  /** Named volume for `/etc/nginx/certs` (protected). Default `infrastructure_nginx_certs`. */
  certsVolume: dockerNameSchema.default("infrastructure_nginx_certs"),
  /** Named volume for `/usr/share/nginx/html` (ACME challenges, protected). Default `infrastructure_nginx_html`. */
  htmlVolume: dockerNameSchema.default("infrastructure_nginx_html"),
  /** Named volume for acme-companion's `/etc/acme.sh` state (protected). Default `infrastructure_acme_state`. */
  acmeVolume: dockerNameSchema.default("infrastructure_acme_state"),
  /** Host port published for HTTP. Default 80. */
  httpPort: portSchema.default(80),
  /** Host port published for HTTPS. Default 443. */
  httpsPort: portSchema.default(443),
  /** nginx-proxy `DEFAULT_HOST`; must equal one of `hemma:domains`. */
  defaultHost: hostnameSchema,
});

/** Parsed `hemma:proxy`. */
export type ProxyConfig = z.output<typeof proxySchema>;
