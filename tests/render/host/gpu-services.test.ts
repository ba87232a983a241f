import {
  DEFAULT_LEGACY_LLAMA_UNITS,
  DEFAULT_LLAMA_SERVER,
  DEFAULT_TABBY,
  renderGpuServices,
  type GpuServicesArgs,
} from "../../../render/host/gpu-services";
import { fileAt, sectionLines } from "./helpers";

const ARGS: GpuServicesArgs = {
  dockerBinary: "/snap/bin/docker",
  dockerUnit: "snap.docker.dockerd.service",
  llama: DEFAULT_LLAMA_SERVER,
  tabby: DEFAULT_TABBY,
  legacyUnits: DEFAULT_LEGACY_LLAMA_UNITS,
  rocmSmi: "/opt/rocm/bin/rocm-smi",
};

describe("renderGpuServices", () => {
  const files = renderGpuServices(ARGS);

  it("runs llama.cpp in docker on the host network, port 8082, with the configured model and args", () => {
    const u = fileAt(files, "/etc/systemd/system/llama-server-rocm.service").content;
    expect(sectionLines(u, "Service")).toEqual([
      "ExecStartPre=-/snap/bin/docker rm -f llama-server-rocm",
      "ExecStart=/snap/bin/docker run --rm --name llama-server-rocm --network host --device /dev/kfd --device /dev/dri --group-add video --group-add render --security-opt seccomp=unconfined -v /home/paunchygent/models:/models:ro llama.cpp-rocm:7.1.1 --host 0.0.0.0 --port 8082 -m /models/Devstral-Small-2-24B-Instruct-2512-Q8_0.gguf --ctx-size 32768 --parallel 2",
      "ExecStop=/snap/bin/docker stop -t 30 llama-server-rocm",
      "Restart=on-failure",
      "RestartSec=10",
      "RestartPreventExitStatus=137 143",
      "TimeoutStartSec=300",
      "TimeoutStopSec=45",
      "SyslogIdentifier=llama-server-rocm",
    ]);
    expect(sectionLines(u, "Unit")).toEqual([
      "Description=llama.cpp server (ROCm) in Docker on port 8082",
      "Requires=snap.docker.dockerd.service",
      "After=snap.docker.dockerd.service network-online.target",
      "Wants=network-online.target",
    ]);
  });

  it("never lets tabby pull in a llama unit", () => {
    const u = fileAt(files, "/etc/systemd/system/tabby.service").content;
    expect(u).not.toMatch(/^(Wants|Requires|BindsTo)=.*llama/m);
    expect(sectionLines(u, "Service")).toContain(
      "ExecStart=/usr/local/bin/tabby serve --port 8083 --no-webserver",
    );
    expect(sectionLines(u, "Service")).toContain("Environment=TABBY_ROOT=/root/.tabby");
  });

  it("points tabby's completion and chat backends at the local llama server", () => {
    const c = fileAt(files, "/root/.tabby/config.toml").content;
    expect(c).toContain(
      '[model.completion.http]\nkind = "llama.cpp/completion"\napi_endpoint = "http://127.0.0.1:8082"\nprompt_template = "<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>"\n',
    );
    expect(c).toContain(
      '[model.chat.http]\nkind = "openai/chat"\nmodel_name = "Devstral-Small-2-24B"\napi_endpoint = "http://127.0.0.1:8082/v1"\n',
    );
  });

  it("renders rocm-perf exactly as documented", () => {
    const u = fileAt(files, "/etc/systemd/system/rocm-perf.service").content;
    expect(sectionLines(u, "Unit")).toContain("After=multi-user.target");
    expect(sectionLines(u, "Service")).toEqual([
      "Type=oneshot",
      "ExecStart=/opt/rocm/bin/rocm-smi --setprofile COMPUTE",
      "ExecStartPost=/opt/rocm/bin/rocm-smi --setperflevel high",
      "RemainAfterExit=yes",
    ]);
    expect(sectionLines(u, "Install")).toEqual(["WantedBy=multi-user.target"]);
  });

  it("drops the docker dependency where the stack has no daemon unit", () => {
    const u = renderGpuServices({ ...ARGS, dockerUnit: "" })[0]!.content;
    expect(sectionLines(u, "Unit")).toEqual([
      "Description=llama.cpp server (ROCm) in Docker on port 8082",
      "After=network-online.target",
      "Wants=network-online.target",
    ]);
  });
});

describe("tabby follows llama", () => {
  it("changes tabby's unit file whenever llama's changes, so tabby restarts after it", () => {
    const tabby = (a: GpuServicesArgs) => renderGpuServices(a)[1]!.content;
    expect(tabby(ARGS)).toMatch(/^# Follows llama-server-rocm\.service [0-9a-f]{16}$/m);
    expect(tabby({ ...ARGS, llama: { ...ARGS.llama, modelFile: "other.gguf" } })).not.toBe(tabby(ARGS));
    expect(tabby({ ...ARGS, tabby: { ...ARGS.tabby } })).toBe(tabby(ARGS));
  });
});
