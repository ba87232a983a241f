/**
 * The e2e program: a small host layer built from the host resources (two config files, one of
 * them secret, a script, a long-running service, a oneshot service and its timer) in names of
 * its own (`hemma-e2e-<run>`), so it never touches anything else on the sandbox.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PulumiFn } from "@pulumi/pulumi/automation";
import { HostFile } from "../../../providers/host-file";
import { SystemdUnit } from "../../../providers/systemd-unit";
import type { HostConnectionArgs } from "../../../providers/host-connection";

/** What a scenario varies in the program. */
export interface HostProgramVariant {
  /** Content of `app.conf`. Default {@link APP_CONF}. */
  readonly appConf?: string;
  /** Validator of `app.conf`. Default {@link APP_CONF_VALIDATOR}. */
  readonly appConfValidate?: string;
}

/** The content the validator accepts. */
export const APP_CONF = "greeting=hello\nport=8080\n";

/** Rejects an `app.conf` without a `greeting=` line, saying so on stderr. */
export const APP_CONF_VALIDATOR =
  "grep -q '^greeting=' {} || { echo 'app.conf must set greeting=' >&2; exit 1; }";

/** Host paths and unit names of one run. */
export interface HostLayout {
  readonly dir: string;
  readonly appConf: string;
  readonly secretEnv: string;
  readonly tickScript: string;
  readonly webService: string;
  readonly tickService: string;
  readonly tickTimer: string;
}

/** The layout for run id `run` (lower-case letters and digits). */
export function hostLayout(run: string): HostLayout {
  const base = `hemma-e2e-${run}`;
  return {
    dir: `/etc/${base}`,
    appConf: `/etc/${base}/app.conf`,
    secretEnv: `/etc/${base}/secret.env`,
    tickScript: `/usr/local/bin/${base}-tick`,
    webService: `${base}-web.service`,
    tickService: `${base}-tick.service`,
    tickTimer: `${base}-tick.timer`,
  };
}

/** The inline program for `connection`, run `run`, and the secret file's `secret` value. */
export function hostProgram(
  connection: HostConnectionArgs,
  run: string,
  secret: string,
  variant: HostProgramVariant = {},
): PulumiFn {
  const l = hostLayout(run);
  return async () => {
    const app = new HostFile("app-conf", {
      connection,
      path: l.appConf,
      content: variant.appConf ?? APP_CONF,
      mode: "0644",
      validate: variant.appConfValidate ?? APP_CONF_VALIDATOR,
      createDirectories: true,
    });
    const env = new HostFile(
      "secret-env",
      {
        connection,
        path: l.secretEnv,
        content: pulumi.secret(`TOKEN=${secret}\n`),
        mode: "0600",
        createDirectories: true,
      },
      { dependsOn: [app] },
    );
    const tick = new HostFile("tick-script", {
      connection,
      path: l.tickScript,
      content: `#!/bin/sh\nlogger -t ${l.tickService} tick\n`,
      mode: "0755",
    });
    const web = new SystemdUnit(
      "web-service",
      {
        connection,
        name: l.webService,
        content: [
          "[Unit]",
          "Description=hemma e2e long-running service",
          "[Service]",
          `EnvironmentFile=${l.secretEnv}`,
          "ExecStart=/bin/sleep infinity",
          "[Install]",
          "WantedBy=multi-user.target",
          "",
        ].join("\n"),
        enabled: true,
        active: true,
      },
      { dependsOn: [app, env] },
    );
    const tickService = new SystemdUnit(
      "tick-service",
      {
        connection,
        name: l.tickService,
        content: [
          "[Unit]",
          "Description=hemma e2e tick",
          "[Service]",
          "Type=oneshot",
          `ExecStart=${l.tickScript}`,
          "",
        ].join("\n"),
      },
      { dependsOn: [tick] },
    );
    const timer = new SystemdUnit(
      "tick-timer",
      {
        connection,
        name: l.tickTimer,
        // A fixed yearly date: the oneshot must not fire while a test asserts it is inactive.
        content: [
          "[Unit]",
          "Description=hemma e2e tick timer",
          "[Timer]",
          "OnCalendar=*-06-15 03:00:00",
          "[Install]",
          "WantedBy=timers.target",
          "",
        ].join("\n"),
        enabled: true,
        active: true,
      },
      { dependsOn: [tickService] },
    );
    return { appDigest: app.digest, web: web.urn, timer: timer.urn };
  };
}
