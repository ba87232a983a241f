import type { RenderedFile } from "../types";

/** netconsole: kernel messages over UDP to a listener on the LAN (spec §6, §12.12). */
export interface NetconsoleArgs {
  /** Local UDP source port. Default 6665 (the kernel's default). */
  readonly sourcePort: number;
  /** Local address; given explicitly because DHCP may not be up when the module loads. Default `192.168.0.9`. */
  readonly sourceIp: string;
  /** Interface to send on. Default `enp7s0`. */
  readonly interface: string;
  /** Listener address. Default `192.168.0.11`. */
  readonly targetIp: string;
  /** Listener UDP port. Default 6666. */
  readonly targetPort: number;
  /** Listener MAC, or `""` for broadcast (the spec does not give it). */
  readonly targetMac: string;
}

/** Netplan for the wired interface (spec §6). */
export interface NetplanArgs {
  /** File name under `/etc/netplan/`. Default `01-netcfg.yaml`. */
  readonly file: string;
  /** Interface. Default `enp7s0`. */
  readonly interface: string;
  /** Default true. */
  readonly dhcp4: boolean;
  /** Default false. */
  readonly dhcp6: boolean;
  /** Boot does not wait for the link. Default true. */
  readonly optional: boolean;
}

/** Which host config files are placed, each with its settings. `null` leaves that file unmanaged. */
export interface HostConfigFilesArgs {
  /** `/etc/modprobe.d/netconsole.conf` + `/etc/modules-load.d/netconsole.conf`. */
  readonly netconsole: NetconsoleArgs | null;
  /** `/etc/modules-load.d/pstore.conf` (`efi_pstore`). */
  readonly pstore: boolean;
  /** `/etc/modules-load.d/it87.conf` (out-of-tree it87; never `ignore_resource_conflict=1`). */
  readonly it87: boolean;
  /** `/etc/cloud/cloud.cfg.d/99-disable-network-config.cfg`. */
  readonly cloudInitNetworkDisabled: boolean;
  /** `/etc/netplan/<file>`. */
  readonly netplan: NetplanArgs | null;
  /** `/etc/default/cron` with `EXTRA_OPTS` defined. */
  readonly cronDefaults: boolean;
}

export const DEFAULT_NETCONSOLE: NetconsoleArgs = {
  sourcePort: 6665,
  sourceIp: "192.168.0.9",
  interface: "enp7s0",
  targetIp: "192.168.0.11",
  targetPort: 6666,
  targetMac: "",
};

export const DEFAULT_NETPLAN: NetplanArgs = {
  file: "01-netcfg.yaml",
  interface: "enp7s0",
  dhcp4: true,
  dhcp6: false,
  optional: true,
};

/** The `netconsole=` module parameter: `[src-port]@[src-ip]/[dev],[tgt-port]@<tgt-ip>/[tgt-mac]`. */
export function netconsoleParam(a: NetconsoleArgs): string {
  return `${a.sourcePort}@${a.sourceIp}/${a.interface},${a.targetPort}@${a.targetIp}/${a.targetMac}`;
}

/** The netplan document for one wired interface (Wi-Fi is deliberately absent). */
export function renderNetplan(a: NetplanArgs): string {
  return [
    "# Rendered by hemma-infra. Wired only: Wi-Fi flapping once made SSH unreachable.",
    "network:",
    "  version: 2",
    "  renderer: networkd",
    "  ethernets:",
    `    ${a.interface}:`,
    `      dhcp4: ${a.dhcp4}`,
    `      dhcp6: ${a.dhcp6}`,
    `      optional: ${a.optional}`,
    "",
  ].join("\n");
}

/** The enabled host config files. */
export function renderHostConfigFiles(a: HostConfigFilesArgs): RenderedFile[] {
  const files: RenderedFile[] = [];
  const cfg = (path: string, content: string, mode = "0644"): RenderedFile => ({
    path,
    content,
    mode,
    kind: "config",
  });
  if (a.netconsole) {
    files.push(
      cfg(
        "/etc/modprobe.d/netconsole.conf",
        `options netconsole netconsole=${netconsoleParam(a.netconsole)}\n`,
      ),
    );
    files.push(cfg("/etc/modules-load.d/netconsole.conf", "netconsole\n"));
  }
  if (a.pstore) files.push(cfg("/etc/modules-load.d/pstore.conf", "efi_pstore\n"));
  if (a.it87) {
    files.push(
      cfg(
        "/etc/modules-load.d/it87.conf",
        "# DKMS source /usr/src/it87; never ignore_resource_conflict=1.\nit87\n",
      ),
    );
  }
  if (a.cloudInitNetworkDisabled) {
    files.push(
      cfg(
        "/etc/cloud/cloud.cfg.d/99-disable-network-config.cfg",
        "# Stops cloud-init rewriting netplan.\nnetwork: {config: disabled}\n",
      ),
    );
  }
  // netplan refuses to be quiet about world-readable configs.
  if (a.netplan) files.push(cfg(`/etc/netplan/${a.netplan.file}`, renderNetplan(a.netplan), "0600"));
  if (a.cronDefaults)
    files.push(
      cfg("/etc/default/cron", '# Defined (empty) so cron\'s boot script does not warn.\nEXTRA_OPTS=""\n'),
    );
  return files;
}
