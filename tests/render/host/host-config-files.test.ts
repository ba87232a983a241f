import {
  DEFAULT_NETCONSOLE,
  DEFAULT_NETPLAN,
  renderHostConfigFiles,
} from "../../../render/host/host-config-files";
import { fileAt } from "./helpers";

describe("renderHostConfigFiles", () => {
  const all = renderHostConfigFiles({
    netconsole: DEFAULT_NETCONSOLE,
    pstore: true,
    it87: true,
    cloudInitNetworkDisabled: true,
    netplan: DEFAULT_NETPLAN,
    cronDefaults: true,
  });

  it("writes each documented file with its key setting", () => {
    expect(all.map((f) => [f.path, f.mode])).toEqual([
      ["/etc/modprobe.d/netconsole.conf", "0644"],
      ["/etc/modules-load.d/netconsole.conf", "0644"],
      ["/etc/modules-load.d/pstore.conf", "0644"],
      ["/etc/modules-load.d/it87.conf", "0644"],
      ["/etc/cloud/cloud.cfg.d/99-disable-network-config.cfg", "0644"],
      ["/etc/netplan/01-netcfg.yaml", "0600"],
      ["/etc/default/cron", "0644"],
    ]);
    expect(fileAt(all, "/etc/modprobe.d/netconsole.conf").content).toBe(
      "options netconsole netconsole=6665@192.168.0.9/enp7s0,6666@192.168.0.11/\n",
    );
    expect(fileAt(all, "/etc/modules-load.d/netconsole.conf").content).toBe("netconsole\n");
    expect(fileAt(all, "/etc/modules-load.d/pstore.conf").content).toBe("efi_pstore\n");
    expect(fileAt(all, "/etc/modules-load.d/it87.conf").content).not.toContain(
      "ignore_resource_conflict=1\n",
    );
    expect(fileAt(all, "/etc/modules-load.d/it87.conf").content).toMatch(/^it87$/m);
    expect(fileAt(all, "/etc/cloud/cloud.cfg.d/99-disable-network-config.cfg").content).toContain(
      "network: {config: disabled}\n",
    );
    expect(fileAt(all, "/etc/default/cron").content).toContain('EXTRA_OPTS=""\n');
  });

  it("configures only the wired interface in netplan", () => {
    expect(fileAt(all, "/etc/netplan/01-netcfg.yaml").content.split("\n").slice(1)).toEqual([
      "network:",
      "  version: 2",
      "  renderer: networkd",
      "  ethernets:",
      "    enp7s0:",
      "      dhcp4: true",
      "      dhcp6: false",
      "      optional: true",
      "",
    ]);
  });

  it("leaves switched-off files unmanaged", () => {
    expect(
      renderHostConfigFiles({
        netconsole: null,
        pstore: true,
        it87: false,
        cloudInitNetworkDisabled: false,
        netplan: null,
        cronDefaults: false,
      }).map((f) => f.path),
    ).toEqual(["/etc/modules-load.d/pstore.conf"]);
  });
});
