import { createHash } from "crypto";
import type { RenderedFile } from "../types";
import { execLine } from "./shell";
import { renderUnitFile, unitPath } from "./unit-file";

/** The llama.cpp server container run by systemd (spec §2.6, §5.4). */
export interface LlamaServerArgs {
  /** Image reference. Default `llama.cpp-rocm:7.1.1` (built on the host; never pulled). */
  readonly image: string;
  /** Container name. Default `llama-server-rocm`. */
  readonly containerName: string;
  /** Host directory with the model files, mounted read-only at `/models`. Default `/home/paunchygent/models`. */
  readonly modelDir: string;
  /** Model file inside `modelDir`. Default `Devstral-Small-2-24B-Instruct-2512-Q8_0.gguf` (docs/decisions/0048). */
  readonly modelFile: string;
  /** Address the server binds on the host network. Default `0.0.0.0` (the documented `:8082`). */
  readonly listenAddress: string;
  /** Port. Default 8082. */
  readonly port: number;
  /** Further server arguments. Default `--ctx-size 32768 --parallel 2`. */
  readonly serverArgs: readonly string[];
  /** Devices passed to the container. Default `/dev/kfd`, `/dev/dri`. */
  readonly devices: readonly string[];
  /** Supplementary groups in the container. Default `video`, `render`. */
  readonly groups: readonly string[];
  /** Seconds `docker stop` waits before killing. Default 30. */
  readonly stopTimeoutSeconds: number;
}

/** Tabby, the code-completion server in front of llama.cpp (spec §5.4). */
export interface TabbyArgs {
  /** Tabby binary. Default `/usr/local/bin/tabby`. */
  readonly binary: string;
  /** Port. Default 8083. */
  readonly port: number;
  /** User the service runs as. Default `root` (docs/decisions/0048). */
  readonly user: string;
  /** Tabby's data directory (`TABBY_ROOT`, holds `config.toml`). Default `/root/.tabby`. */
  readonly dataDir: string;
  /** Model name Tabby sends to the chat backend. Default `Devstral-Small-2-24B`. */
  readonly chatModelName: string;
  /** FIM prompt template of the completion backend (Qwen style). */
  readonly completionPromptTemplate: string;
}

/** Settings of the GPU / AI services. */
export interface GpuServicesArgs {
  /** Absolute path of the docker CLI. */
  readonly dockerBinary: string;
  /** Docker daemon unit, or `""` where none is managed by systemd. */
  readonly dockerUnit: string;
  readonly llama: LlamaServerArgs;
  readonly tabby: TabbyArgs;
  /** Legacy host-binary llama units kept masked (spec §11.10). */
  readonly legacyUnits: readonly string[];
  /** `rocm-smi` path used by `rocm-perf.service`. Default `/opt/rocm/bin/rocm-smi`. */
  readonly rocmSmi: string;
}

export const DEFAULT_LLAMA_SERVER: LlamaServerArgs = {
  image: "llama.cpp-rocm:7.1.1",
  containerName: "llama-server-rocm",
  modelDir: "/home/paunchygent/models",
  modelFile: "Devstral-Small-2-24B-Instruct-2512-Q8_0.gguf",
  listenAddress: "0.0.0.0",
  port: 8082,
  serverArgs: ["--ctx-size", "32768", "--parallel", "2"],
  devices: ["/dev/kfd", "/dev/dri"],
  groups: ["video", "render"],
  stopTimeoutSeconds: 30,
};

export const DEFAULT_TABBY: TabbyArgs = {
  binary: "/usr/local/bin/tabby",
  port: 8083,
  user: "root",
  dataDir: "/root/.tabby",
  chatModelName: "Devstral-Small-2-24B",
  completionPromptTemplate: "<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>",
};

export const DEFAULT_LEGACY_LLAMA_UNITS = [
  "llama-server.service",
  "llama-server-hip.service",
  "llama-server-vulkan.service",
];
export const LLAMA_UNIT = "llama-server-rocm.service";
export const TABBY_UNIT = "tabby.service";
export const ROCM_PERF_UNIT = "rocm-perf.service";

/** `llama-server-rocm.service`: a foreground `docker run --rm` supervised by systemd. */
export function renderLlamaServerUnit(a: GpuServicesArgs): string {
  const l = a.llama;
  const run = [
    a.dockerBinary,
    "run",
    "--rm",
    "--name",
    l.containerName,
    "--network",
    "host",
    ...l.devices.flatMap((d) => ["--device", d]),
    ...l.groups.flatMap((g) => ["--group-add", g]),
    "--security-opt",
    "seccomp=unconfined",
    "-v",
    `${l.modelDir}:/models:ro`,
    l.image,
    "--host",
    l.listenAddress,
    "--port",
    String(l.port),
    "-m",
    `/models/${l.modelFile}`,
    ...l.serverArgs,
  ];
  const deps = a.dockerUnit ? [a.dockerUnit] : [];
  return renderUnitFile(
    [
      {
        name: "Unit",
        directives: [
          ["Description", `llama.cpp server (ROCm) in Docker on port ${l.port}`],
          ...(deps.length ? ([["Requires", deps.join(" ")]] as const) : []),
          ["After", [...deps, "network-online.target"].join(" ")],
          ["Wants", "network-online.target"],
        ],
      },
      {
        name: "Service",
        directives: [
          // A leftover container of the same name (crash, manual run) would make `run` fail.
          ["ExecStartPre", `-${execLine([a.dockerBinary, "rm", "-f", l.containerName])}`],
          ["ExecStart", execLine(run)],
          [
            "ExecStop",
            execLine([a.dockerBinary, "stop", "-t", String(l.stopTimeoutSeconds), l.containerName]),
          ],
          ["Restart", "on-failure"],
          ["RestartSec", "10"],
          // A co-tenant stopping the container to free VRAM (docker stop: 137/143) must not be undone.
          ["RestartPreventExitStatus", "137 143"],
          ["TimeoutStartSec", "300"],
          ["TimeoutStopSec", String(l.stopTimeoutSeconds + 15)],
          ["SyslogIdentifier", "llama-server-rocm"],
        ],
      },
      { name: "Install", directives: [["WantedBy", "multi-user.target"]] },
    ],
    "Rendered by hemma-infra (render/host/gpu-services.ts). Apply: daemon-reload, restart, then restart tabby.",
  );
}

/** `tabby.service`. No dependency on any llama unit: `Wants=llama-server.service` once started the legacy unit. */
export function renderTabbyUnit(a: GpuServicesArgs): string {
  const t = a.tabby;
  return renderUnitFile(
    [
      {
        name: "Unit",
        directives: [
          ["Description", `Tabby code completion on port ${t.port}`],
          ["After", `network-online.target ${LLAMA_UNIT}`],
          ["Wants", "network-online.target"],
        ],
      },
      {
        name: "Service",
        directives: [
          ["User", t.user],
          ["Environment", `TABBY_ROOT=${t.dataDir}`],
          // --no-webserver: no web UI and no auth (Tabby >= 0.31); the port is reached over SSH tunnels only.
          ["ExecStart", execLine([t.binary, "serve", "--port", String(t.port), "--no-webserver"])],
          ["Restart", "on-failure"],
          ["RestartSec", "10"],
          ["SyslogIdentifier", "tabby"],
        ],
      },
      { name: "Install", directives: [["WantedBy", "multi-user.target"]] },
    ],
    // The digest makes a llama unit change rewrite this file too, so tabby restarts after llama (spec §10).
    `Rendered by hemma-infra (render/host/gpu-services.ts).\nFollows ${LLAMA_UNIT} ${createHash("sha256").update(renderLlamaServerUnit(a)).digest("hex").slice(0, 16)}`,
  );
}

/** Tabby's `config.toml`: completion and chat both go to the local llama.cpp server. */
export function renderTabbyConfig(a: GpuServicesArgs): string {
  const base = `http://127.0.0.1:${a.llama.port}`;
  const q = (s: string) => JSON.stringify(s);
  return [
    "# Rendered by hemma-infra (render/host/gpu-services.ts). Apply: restart tabby.",
    "[model.completion.http]",
    `kind = ${q("llama.cpp/completion")}`,
    `api_endpoint = ${q(base)}`,
    `prompt_template = ${q(a.tabby.completionPromptTemplate)}`,
    "",
    "[model.chat.http]",
    `kind = ${q("openai/chat")}`,
    `model_name = ${q(a.tabby.chatModelName)}`,
    `api_endpoint = ${q(`${base}/v1`)}`,
    "",
  ].join("\n");
}

/** `rocm-perf.service` exactly as documented (spec §5.4); whether it is enabled is a stack setting. */
export function renderRocmPerfUnit(a: GpuServicesArgs): string {
  return renderUnitFile(
    [
      {
        name: "Unit",
        directives: [
          ["Description", "ROCm compute profile and high perf level"],
          ["After", "multi-user.target"],
        ],
      },
      {
        name: "Service",
        directives: [
          ["Type", "oneshot"],
          ["ExecStart", `${a.rocmSmi} --setprofile COMPUTE`],
          ["ExecStartPost", `${a.rocmSmi} --setperflevel high`],
          ["RemainAfterExit", "yes"],
        ],
      },
      { name: "Install", directives: [["WantedBy", "multi-user.target"]] },
    ],
    "Rendered by hemma-infra (docs/decisions/0049: enabled only when hemma:host.gpu.rocmPerf.enabled).",
  );
}

/** The GPU unit files and Tabby's config. Masking the legacy units is not a file: see `legacyUnits`. */
export function renderGpuServices(a: GpuServicesArgs): RenderedFile[] {
  return [
    { path: unitPath(LLAMA_UNIT), mode: "0644", kind: "unit", content: renderLlamaServerUnit(a) },
    { path: unitPath(TABBY_UNIT), mode: "0644", kind: "unit", content: renderTabbyUnit(a) },
    {
      path: `${a.tabby.dataDir}/config.toml`,
      mode: "0644",
      kind: "config",
      owner: a.tabby.user,
      group: a.tabby.user,
      content: renderTabbyConfig(a),
    },
    { path: unitPath(ROCM_PERF_UNIT), mode: "0644", kind: "unit", content: renderRocmPerfUnit(a) },
  ];
}
