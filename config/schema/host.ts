import { z } from "zod";
import { DEFAULT_AMDGPU_RELEASE_WATCH } from "../../render/host/amdgpu-release-watch";
import { DEFAULT_APP_CLEANUP_JOBS } from "../../render/host/app-cleanup-timers";
import { DEFAULT_CRASH_CAPTURE } from "../../render/host/crash-capture";
import { DEFAULT_DATABASE_BACKUPS } from "../../render/host/database-backups";
import {
  DEFAULT_LEGACY_LLAMA_UNITS,
  DEFAULT_LLAMA_SERVER,
  DEFAULT_TABBY,
} from "../../render/host/gpu-services";
import { DEFAULT_HEARTBEAT } from "../../render/host/heartbeat";
import { DEFAULT_NETCONSOLE, DEFAULT_NETPLAN } from "../../render/host/host-config-files";
import { DEFAULT_INCIDENT_CAPTURE } from "../../render/host/incident-capture";
import { DEFAULT_LOG_CLEANUP } from "../../render/host/log-cleanup";
import { DEFAULT_POWER_RAILS } from "../../render/host/power-rails";
import { DEFAULT_WATCHDOG, watchdogTimingProblems } from "../../render/host/watchdog";
import {
  absolutePathSchema,
  dockerNameSchema,
  portSchema,
  secondsSchema,
  sqlIdentifierSchema,
} from "./fields";
import { isIpv4 } from "./hostname";
import { pinnedImageSchema } from "./image-reference";

// Every `enabled` is required (no default): like hemma:features, a stack says what it places.
const enabled = z.boolean({
  error: "true or false (a plain boolean: it decides which files and units exist)",
});
const count = (min: number) =>
  z
    .number({ error: `a whole number >= ${min}` })
    .int({ error: `a whole number >= ${min}` })
    .min(min, { error: `a whole number >= ${min}` });
const ipv4 = z
  .string({ error: "an IPv4 address" })
  .refine(isIpv4, { error: "an IPv4 address such as 192.168.0.1" });
const iface = z.string({ error: "a network interface name" }).regex(/^[A-Za-z0-9_.-]{1,15}$/, {
  error: "an interface name such as enp7s0 (at most 15 letters, digits, '_', '.', '-')",
});
const unitName = z
  .string({ error: "a systemd unit name" })
  .regex(/^[A-Za-z0-9:_.@-]+\.(service|socket|target|device|mount|timer)$/, {
    error: "a systemd unit name such as ssh.service",
  });
/** An `OnCalendar=` expression; `npm test` checks every rendered one with `systemd-analyze calendar`. */
const calendar = z
  .string({ error: "a systemd calendar expression" })
  .regex(/^[A-Za-z0-9*:/.,~ -]+$/, { error: "a systemd calendar expression such as daily, hourly or *:0/5" });
const word = z
  .string({ error: "a single word" })
  .regex(/^[^\s"'`$\\]+$/, { error: "one word without spaces, quotes, $ or backslashes" });
const duration = z
  .string({ error: "a duration" })
  .regex(/^[0-9]+(ms|s|m|h)?$/, { error: "a duration such as 40s, 2m or 1h" });
const volts = z.number({ error: "volts (a number)" }).positive({ error: "volts > 0" });
const userName = z
  .string({ error: "a user name" })
  .regex(/^[a-z_][a-z0-9_-]{0,31}$/, { error: "a user name such as root" });

const watchdogSchema = z
  .strictObject({
    enabled,
    device: absolutePathSchema.default(DEFAULT_WATCHDOG.device),
    fallbackDevice: absolutePathSchema.default(DEFAULT_WATCHDOG.fallbackDevice),
    graceSeconds: secondsSchema.default(DEFAULT_WATCHDOG.graceSeconds),
    intervalSeconds: secondsSchema.default(DEFAULT_WATCHDOG.intervalSeconds),
    interface: iface.default(DEFAULT_WATCHDOG.interface),
    gateway: ipv4.default(DEFAULT_WATCHDOG.gateway),
    sshUnits: z
      .array(unitName)
      .min(1, { error: "at least one unit" })
      .default([...DEFAULT_WATCHDOG.sshUnits]),
    sshPort: portSchema.default(DEFAULT_WATCHDOG.sshPort),
    checkTimeoutSeconds: secondsSchema.default(DEFAULT_WATCHDOG.checkTimeoutSeconds),
    pingCount: count(1).default(DEFAULT_WATCHDOG.pingCount),
    pingTimeoutSeconds: secondsSchema.default(DEFAULT_WATCHDOG.pingTimeoutSeconds),
    failAfter: count(1).default(DEFAULT_WATCHDOG.failAfter),
    module: word.default(DEFAULT_WATCHDOG.module),
    heartbeatSeconds: secondsSchema.default(DEFAULT_WATCHDOG.heartbeatSeconds),
    nowayout: z.boolean({ error: "true or false" }).default(DEFAULT_WATCHDOG.nowayout),
    deviceWaitSeconds: secondsSchema.default(DEFAULT_WATCHDOG.deviceWaitSeconds),
  })
  .superRefine((w, ctx) => {
    for (const message of watchdogTimingProblems(w)) {
      ctx.addIssue({ code: "custom", path: ["intervalSeconds"], input: w.intervalSeconds, message });
    }
  });

const crashCaptureSchema = z.strictObject({
  enabled,
  sysctl: z
    .record(z.string().regex(/^[a-z0-9_.]+$/, { error: "a sysctl key such as kernel.panic" }), word)
    .default({ ...DEFAULT_CRASH_CAPTURE.sysctl }),
  sysctlFile: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+\.conf$/, { error: "a file name ending in .conf" })
    .default(DEFAULT_CRASH_CAPTURE.sysctlFile),
  cmdlineFlags: z.array(word).default([...DEFAULT_CRASH_CAPTURE.cmdlineFlags]),
  grubFile: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+\.cfg$/, { error: "a file name ending in .cfg" })
    .default(DEFAULT_CRASH_CAPTURE.grubFile),
  crashKernel: z
    .string()
    .regex(/^[0-9A-Za-z:,@.-]+$/, { error: "a crashkernel= value such as 1536M or 2G-4G:320M,4G-:1536M" })
    .default(DEFAULT_CRASH_CAPTURE.crashKernel),
  kdumpCmdlineBase: z
    .string()
    .regex(/^[^"'`$\\\n]*$/, { error: "kernel parameters without quotes, $ or backslashes" })
    .default(DEFAULT_CRASH_CAPTURE.kdumpCmdlineBase),
  kdumpCmdlineExtra: z.array(word).default([...DEFAULT_CRASH_CAPTURE.kdumpCmdlineExtra]),
  makedumpArgs: z
    .string()
    .regex(/^[^"'`$\\\n]*$/, { error: "makedumpfile arguments without quotes, $ or backslashes" })
    .default(DEFAULT_CRASH_CAPTURE.makedumpArgs),
  savecoreTimeout: duration.default(DEFAULT_CRASH_CAPTURE.savecoreTimeout),
  coreDir: absolutePathSchema.default(DEFAULT_CRASH_CAPTURE.coreDir),
  watchdogDevice: absolutePathSchema.default(DEFAULT_CRASH_CAPTURE.watchdogDevice),
  watchdogModule: word.default(DEFAULT_CRASH_CAPTURE.watchdogModule),
  kdumpInitramfsConfDir: absolutePathSchema.default(DEFAULT_CRASH_CAPTURE.kdumpInitramfsConfDir),
});

const appCleanupSchema = z.strictObject({
  enabled,
  webContainerLabel: z
    .string()
    .regex(/^[A-Za-z0-9._-]+=[A-Za-z0-9._-]+$/, { error: "a Docker label key=value" })
    .default("education.hule.hemma.service=skriptoteket-web"),
  jobs: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, {
          error: "a unit base name such as skriptoteket-login-events-cleanup",
        }),
        command: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, {
          error: "a skriptoteket.cli command such as cleanup-login-events",
        }),
        onCalendar: calendar,
      }),
    )
    .default(DEFAULT_APP_CLEANUP_JOBS.map((j) => ({ ...j }))),
});

const heartbeatSchema = z.strictObject({
  enabled,
  onCalendar: calendar.default(DEFAULT_HEARTBEAT.onCalendar),
  tag: word.default(DEFAULT_HEARTBEAT.tag),
});

const d = DEFAULT_INCIDENT_CAPTURE;
const incidentCaptureSchema = z.strictObject({
  enabled,
  onCalendar: calendar.default(d.onCalendar),
  logDir: absolutePathSchema.default(d.logDir),
  windowMinutes: count(1).default(d.windowMinutes),
  systemJournalPriority: z
    .enum(["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"], {
      error: "a journal priority such as info",
    })
    .default("info"),
  serviceUnits: z.array(unitName).default([...d.serviceUnits]),
  gpuPciAddress: z
    .string()
    .regex(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/, { error: "a PCI address such as 0000:0b:00.0" })
    .default(d.gpuPciAddress),
  rocmSmi: absolutePathSchema.default(d.rocmSmi),
  gpuEdgeWarnC: count(1).default(d.gpuEdgeWarnC),
  gpuJunctionWarnC: count(1).default(d.gpuJunctionWarnC),
  gpuMemWarnC: count(1).default(d.gpuMemWarnC),
  gpuPptWarnW: count(1).default(d.gpuPptWarnW),
  cpuTctlWarnC: count(1).default(d.cpuTctlWarnC),
});

const logCleanupSchema = z.strictObject({
  enabled,
  onCalendar: calendar.default(DEFAULT_LOG_CLEANUP.onCalendar),
  smartDir: absolutePathSchema.default(DEFAULT_LOG_CLEANUP.smartDir),
  smartRetentionDays: count(1).default(DEFAULT_LOG_CLEANUP.smartRetentionDays),
  incidentDir: absolutePathSchema.default(DEFAULT_LOG_CLEANUP.incidentDir),
  incidentRetentionDays: count(1).default(DEFAULT_LOG_CLEANUP.incidentRetentionDays),
});

const powerRailsSchema = z.strictObject({
  enabled,
  onCalendar: calendar.default(DEFAULT_POWER_RAILS.onCalendar),
  chip: word.default(DEFAULT_POWER_RAILS.chip),
  logDir: absolutePathSchema.default(DEFAULT_POWER_RAILS.logDir),
  retentionDays: count(1).default(DEFAULT_POWER_RAILS.retentionDays),
  rails: z
    .array(
      z
        .strictObject({
          label: z.string().regex(/^[A-Za-z0-9.+_-]+$/, { error: "a label without spaces such as +12V" }),
          input: z.string().regex(/^in[0-9]+$/, { error: "an hwmon voltage input such as in2" }),
          scale: volts,
          min: volts,
          max: volts,
        })
        .refine((r) => r.min < r.max, { error: "min below max", path: ["max"] }),
    )
    .default(DEFAULT_POWER_RAILS.rails.map((r) => ({ ...r }))),
});

const amdgpuWatchSchema = z.strictObject({
  enabled,
  onCalendar: calendar.default(DEFAULT_AMDGPU_RELEASE_WATCH.onCalendar),
  watches: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[^\t\n]+$/, { error: "a name without tabs or newlines" }),
        url: z.string().regex(/^https?:\/\/[^\s]+$/, { error: "an http(s) URL" }),
        pattern: z.string().regex(/^[^\t\n]+$/, { error: "an extended regex without tabs or newlines" }),
      }),
    )
    .default(DEFAULT_AMDGPU_RELEASE_WATCH.watches.map((w) => ({ ...w }))),
});

const timersSchema = z.strictObject({
  appCleanup: appCleanupSchema,
  heartbeat: heartbeatSchema,
  incidentCapture: incidentCaptureSchema,
  logCleanup: logCleanupSchema,
  powerRails: powerRailsSchema,
  amdgpuReleaseWatch: amdgpuWatchSchema,
});

const backupsSchema = z.strictObject({
  enabled,
  /** Default: every database in `hemma:postgres.databases`. */
  databases: z.array(sqlIdentifierSchema).min(1, { error: "at least one database" }).optional(),
  dir: absolutePathSchema.default(DEFAULT_DATABASE_BACKUPS.dir),
  retain: count(1).default(DEFAULT_DATABASE_BACKUPS.retain),
  pgUser: userName.default(DEFAULT_DATABASE_BACKUPS.pgUser),
  verify: z.boolean({ error: "true or false" }).default(DEFAULT_DATABASE_BACKUPS.verify),
  onCalendar: calendar.default(DEFAULT_DATABASE_BACKUPS.onCalendar),
});

const L = DEFAULT_LLAMA_SERVER;
const llamaSchema = z.strictObject({
  image: pinnedImageSchema.default(L.image),
  containerName: dockerNameSchema.default(L.containerName),
  modelDir: absolutePathSchema.default(L.modelDir),
  modelFile: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, { error: "a file name such as model.gguf" })
    .default(L.modelFile),
  listenAddress: ipv4.default(L.listenAddress),
  port: portSchema.default(L.port),
  serverArgs: z
    .array(
      z
        .string()
        .regex(/^[^\s"'`$\\%]+$/, { error: "one argument without spaces, quotes, $, % or backslashes" }),
    )
    .default([...L.serverArgs]),
  devices: z.array(absolutePathSchema).default([...L.devices]),
  groups: z.array(userName).default([...L.groups]),
  stopTimeoutSeconds: secondsSchema.default(L.stopTimeoutSeconds),
});

const T = DEFAULT_TABBY;
const tabbySchema = z.strictObject({
  binary: absolutePathSchema.default(T.binary),
  port: portSchema.default(T.port),
  user: userName.default(T.user),
  dataDir: absolutePathSchema.default(T.dataDir),
  chatModelName: z
    .string()
    .regex(/^[^\n"\\]+$/)
    .default(T.chatModelName),
  completionPromptTemplate: z
    .string()
    .regex(/^[^\n"\\]+$/)
    .default(T.completionPromptTemplate),
});

const gpuSchema = z.strictObject({
  enabled,
  llama: llamaSchema.prefault({}),
  tabby: tabbySchema.prefault({}),
  legacyUnits: z.array(unitName).default([...DEFAULT_LEGACY_LLAMA_UNITS]),
  rocmSmi: absolutePathSchema.default("/opt/rocm/bin/rocm-smi"),
  /** `rocm-perf.service` is always placed; this decides whether it is enabled (docs/decisions/0049). */
  rocmPerfEnabled: z.boolean({ error: "true or false" }).default(false),
});

const netconsoleSchema = z.strictObject({
  enabled,
  sourcePort: portSchema.default(DEFAULT_NETCONSOLE.sourcePort),
  sourceIp: ipv4.default(DEFAULT_NETCONSOLE.sourceIp),
  interface: iface.default(DEFAULT_NETCONSOLE.interface),
  targetIp: ipv4.default(DEFAULT_NETCONSOLE.targetIp),
  targetPort: portSchema.default(DEFAULT_NETCONSOLE.targetPort),
  targetMac: z
    .string()
    .regex(/^(|[0-9a-f]{2}(:[0-9a-f]{2}){5})$/, {
      error: "a lower-case MAC such as 00:11:22:33:44:55, or empty for broadcast",
    })
    .default(DEFAULT_NETCONSOLE.targetMac),
});

const netplanSchema = z.strictObject({
  enabled,
  /** Apply with `netplan apply` when the file changes. Default false: a remote apply can cut SSH and trip the watchdog. */
  applyOnChange: z.boolean({ error: "true or false" }).default(false),
  file: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+\.yaml$/, { error: "a file name ending in .yaml" })
    .default(DEFAULT_NETPLAN.file),
  interface: iface.default(DEFAULT_NETPLAN.interface),
  dhcp4: z.boolean().default(DEFAULT_NETPLAN.dhcp4),
  dhcp6: z.boolean().default(DEFAULT_NETPLAN.dhcp6),
  optional: z.boolean().default(DEFAULT_NETPLAN.optional),
});

const filesSchema = z.strictObject({
  netconsole: netconsoleSchema,
  pstore: enabled,
  it87: enabled,
  cloudInitNetworkDisabled: enabled,
  netplan: netplanSchema,
  cronDefaults: enabled,
});

/**
 * `hemma:host`: hemma's host setup (spec §5, §6): watchdog, crash capture, maintenance timers,
 * database backups, GPU services and host config files. Each concept has a required `enabled`
 * switch; every other value defaults to the documented one (docs/decisions/0040).
 */
export const hostSchema = z.strictObject({
  watchdog: watchdogSchema,
  crashCapture: crashCaptureSchema,
  timers: timersSchema,
  backups: backupsSchema,
  gpu: gpuSchema,
  files: filesSchema,
});

/** Parsed `hemma:host`. */
export type HostConfig = z.output<typeof hostSchema>;
