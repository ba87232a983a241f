import {
  CRASH_CAPTURE_APPLY_COMMANDS,
  DEFAULT_CRASH_CAPTURE,
  renderCrashCapture,
} from "../../../render/host/crash-capture";
import { fileAt, sectionLines } from "./helpers";

describe("renderCrashCapture", () => {
  const files = renderCrashCapture(DEFAULT_CRASH_CAPTURE);

  it("tags each file with the one-shot its change needs", () => {
    expect(files.map((f) => [f.path, f.mode, f.apply])).toEqual([
      ["/etc/sysctl.d/99-crash-capture.conf", "0644", "sysctl"],
      ["/etc/default/grub.d/90-hemma-crash-capture.cfg", "0644", "grub"],
      ["/etc/default/grub.d/kdump-tools.cfg", "0644", "grub"],
      ["/etc/default/kdump-tools", "0644", "kdump-config"],
      ["/etc/initramfs-tools/hooks/zz-kdump-disable-watchdog", "0755", "kdump-initrd"],
      ["/etc/initramfs-tools/hooks/zz-kdump-watchdog-hardening", "0755", "kdump-initrd"],
      ["/usr/local/sbin/kdump-watchdog-arm", "0755", "daemon-reload"],
      ["/etc/systemd/system/kdump-watchdog-arm.service", "0644", "daemon-reload"],
      ["/etc/systemd/system/kdump-tools-dump.service.d/05-watchdog-arm.conf", "0644", "daemon-reload"],
      ["/usr/local/sbin/kdump-savecore-and-sysrq-reboot", "0755", "daemon-reload"],
      ["/etc/systemd/system/kdump-tools-dump.service.d/10-sysrq-reboot.conf", "0644", "daemon-reload"],
    ]);
    expect(CRASH_CAPTURE_APPLY_COMMANDS["kdump-config"]).toBe("kdump-config unload && kdump-config load");
    expect(CRASH_CAPTURE_APPLY_COMMANDS["kdump-initrd"]).toBe(
      '/etc/kernel/postinst.d/kdump-tools "$(uname -r)" && kdump-config unload && kdump-config load',
    );
  });

  it("writes the four panic sysctls", () => {
    expect(fileAt(files, "/etc/sysctl.d/99-crash-capture.conf").content.split("\n").slice(1)).toEqual([
      "kernel.panic_on_oops = 1",
      "kernel.panic = 10",
      "kernel.softlockup_panic = 1",
      "kernel.panic_on_warn = 1",
      "",
    ]);
  });

  it("appends the kernel flags to GRUB_CMDLINE_LINUX_DEFAULT instead of replacing it", () => {
    expect(fileAt(files, "/etc/default/grub.d/90-hemma-crash-capture.cfg").content).toContain(
      'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT log_buf_len=4M watchdog.stop_on_reboot=0 amdgpu.cwsr_enable=0 amdgpu.mcbp=0 amdgpu.runpm=0"\n',
    );
    expect(fileAt(files, "/etc/default/grub.d/kdump-tools.cfg").content).toContain(
      'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=1536M"\n',
    );
  });

  it("gives the crash kernel the amdgpu blacklist and keeps the watchdog across reboots", () => {
    const k = fileAt(files, "/etc/default/kdump-tools").content.split("\n");
    expect(k).toContain(
      'KDUMP_CMDLINE_APPEND="reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll nousb modprobe.blacklist=amdgpu watchdog.stop_on_reboot=0"',
    );
    expect(k).toContain('MAKEDUMP_ARGS="-c -d 31"');
    expect(k).toContain("KDUMP_SAVECORE_TIMEOUT=40s");
    expect(k).toContain("USE_KDUMP=1");
  });

  it("limits both initramfs hooks to the kdump-tools initrd build", () => {
    for (const p of [
      "/etc/initramfs-tools/hooks/zz-kdump-disable-watchdog",
      "/etc/initramfs-tools/hooks/zz-kdump-watchdog-hardening",
    ]) {
      expect(fileAt(files, p).content).toContain(
        '[ "${CONFDIR:-}" = /var/lib/kdump/initramfs-tools ] || exit 0\n',
      );
    }
    expect(fileAt(files, "/etc/initramfs-tools/hooks/zz-kdump-disable-watchdog").content).toContain(
      '"${DESTDIR}/etc/systemd/system.conf.d/zzz-kdump-no-watchdog.conf"',
    );
    const hardening = fileAt(files, "/etc/initramfs-tools/hooks/zz-kdump-watchdog-hardening").content;
    expect(hardening).toContain("manual_add_modules sp5100_tco\n");
    expect(hardening).toContain(
      "copy_file config /etc/modprobe.d/sp5100_tco.conf /etc/modprobe.d/sp5100_tco.conf\n",
    );
  });

  it("arms the watchdog before the dump and swaps the dump step for savecore-then-SysRq", () => {
    const arm = fileAt(files, "/etc/systemd/system/kdump-watchdog-arm.service").content;
    expect(sectionLines(arm, "Unit")).toContain("Before=kdump-tools-dump.service");
    expect(sectionLines(arm, "Service")).toEqual([
      "Type=forking",
      "PIDFile=/run/kdump-watchdog-arm.pid",
      "ExecStart=/usr/local/sbin/kdump-watchdog-arm",
      "SyslogIdentifier=kdump-watchdog-arm",
    ]);
    expect(arm).not.toContain("[Install]");
    expect(
      sectionLines(
        fileAt(files, "/etc/systemd/system/kdump-tools-dump.service.d/05-watchdog-arm.conf").content,
        "Unit",
      ),
    ).toEqual(["Wants=kdump-watchdog-arm.service", "After=kdump-watchdog-arm.service"]);
    expect(
      sectionLines(
        fileAt(files, "/etc/systemd/system/kdump-tools-dump.service.d/10-sysrq-reboot.conf").content,
        "Service",
      ),
    ).toEqual(["ExecStart=", "ExecStart=/usr/local/sbin/kdump-savecore-and-sysrq-reboot"]);
  });
});
