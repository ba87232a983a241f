/** Log driver and options set explicitly on a container, so the daemon default never shows as a diff. */
export interface ContainerLogging {
  /** Docker log driver (hemma: `json-file`, read by fail2ban and promtail). */
  readonly driver: string;
  /** Driver options, e.g. `{ "max-size": "10m", "max-file": "3" }`. */
  readonly options: Readonly<Record<string, string>>;
}
