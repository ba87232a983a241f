/** prometheus.yml and the SkriptoteketAlerts rules: exact content, then promtool checks and fires them. */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import {
  alertRules,
  renderAlertRules,
  renderPrometheusConfig,
  type AlertThresholds,
} from "../../../render/observability/prometheus";
import { observabilitySchema } from "../../../config/schema/observability";
import { requireTool, run } from "../host/tools";
import { tempDir } from "../../scripts/script-harness";
import { defaultFiles, defaultRenderArgs } from "./fixtures";

const SPEC_THRESHOLDS: AlertThresholds = observabilitySchema.parse({}).prometheus.alerts;

let dir: string;
beforeAll(() => {
  requireTool("promtool");
  dir = tempDir("hemma-promtool-");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("prometheus.yml", () => {
  it("is the spec's config: 15 s, external labels, the rule glob, the app by its alias, itself and Loki", () => {
    const [config] = defaultFiles().prometheus;
    expect(config!.path).toBe("/home/paunchygent/infrastructure/observability/prometheus/prometheus.yml");
    expect(config!.mode).toBe("0644");
    expect(config!.content.split("\n")[0]).toMatch(/^# Rendered by hemma-infra from hemma:observability/);
    expect(parse(config!.content)).toEqual({
      global: {
        scrape_interval: "15s",
        evaluation_interval: "15s",
        external_labels: { cluster: "home-server", environment: "production" },
      },
      rule_files: ["/etc/prometheus/rules/*.yml"],
      scrape_configs: [
        {
          job_name: "skriptoteket",
          scrape_interval: "15s",
          metrics_path: "/metrics",
          static_configs: [
            {
              targets: ["skriptoteket-web:8000"],
              labels: { service: "skriptoteket", environment: "production" },
            },
          ],
        },
        {
          job_name: "prometheus",
          metrics_path: "/metrics",
          static_configs: [{ targets: ["localhost:9090"] }],
        },
        { job_name: "loki", metrics_path: "/metrics", static_configs: [{ targets: ["loki:3100"] }] },
      ],
    });
  });

  it("scrapes Loki only while it runs, and labels the environment the stack names", () => {
    const [config] = defaultFiles({
      loki: { enabled: false },
      promtail: { enabled: false },
      prometheus: { environment: "dev", cluster: "hemma-sandbox" },
    }).prometheus;
    const doc = parse(config!.content);
    expect(doc.scrape_configs.map((j: { job_name: string }) => j.job_name)).toEqual([
      "skriptoteket",
      "prometheus",
    ]);
    expect(doc.global.external_labels).toEqual({ cluster: "hemma-sandbox", environment: "dev" });
    expect(doc.scrape_configs[0].static_configs[0].labels.environment).toBe("dev");
  });

  it("refuses a duplicate job and a target that is not host:port", () => {
    const base = { scrapeInterval: "15s", evaluationInterval: "15s", externalLabels: {} };
    expect(() =>
      renderPrometheusConfig({
        ...base,
        targets: [
          { job: "a", target: "x:1" },
          { job: "a", target: "y:1" },
        ],
      }),
    ).toThrow("prometheus.yml: job a appears twice");
    expect(() => renderPrometheusConfig({ ...base, targets: [{ job: "a", target: "http://x:1" }] })).toThrow(
      "prometheus.yml: target http://x:1 of job a is not host:port",
    );
  });

  it("passes promtool check config, with the rendered rules at the glob", () => {
    const rulesDir = path.join(dir, "check", "rules");
    fs.mkdirSync(rulesDir, { recursive: true });
    fs.writeFileSync(path.join(rulesDir, "skriptoteket-alerts.yml"), renderAlertRules(SPEC_THRESHOLDS));
    const args = defaultRenderArgs().prometheus!;
    const file = path.join(dir, "check", "prometheus.yml");
    fs.writeFileSync(file, renderPrometheusConfig({ ...args, ruleFilesGlob: `${rulesDir}/*.yml` }));
    const r = run("promtool", ["check", "config", file]);
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toContain("SUCCESS: 1 rule files found");
    expect(r.stdout).toContain("SUCCESS: 4 rules found");
  });
});

describe("SkriptoteketAlerts", () => {
  it("is one group with the spec's four alerts, for-durations and severities", () => {
    const [, rules] = defaultFiles().prometheus;
    expect(rules!.path).toBe(
      "/home/paunchygent/infrastructure/observability/prometheus/rules/skriptoteket-alerts.yml",
    );
    const doc = parse(rules!.content);
    expect(doc.groups.map((g: { name: string }) => g.name)).toEqual(["SkriptoteketAlerts"]);
    expect(
      doc.groups[0].rules.map((r: { alert: string; expr: string; for: string; labels: object }) => [
        r.alert,
        r.expr,
        r.for,
        r.labels,
      ]),
    ).toEqual([
      ["SkriptoteketDown", 'up{job="skriptoteket"} == 0', "1m", { severity: "critical" }],
      [
        "SkriptoteketHighErrorRate",
        'sum(rate(skriptoteket_http_requests_total{status_code=~"5.."}[5m])) / sum(rate(skriptoteket_http_requests_total[5m])) > 0.1',
        "5m",
        { severity: "warning" },
      ],
      [
        "SkriptoteketHighLatency",
        "histogram_quantile(0.99, sum by (le) (rate(skriptoteket_http_request_duration_seconds_bucket[5m]))) > 2",
        "5m",
        { severity: "warning" },
      ],
      [
        "SkriptoteketSessionFilesQuota",
        "skriptoteket_session_files_bytes_total > 524288000",
        "5m",
        { severity: "warning" },
      ],
    ]);
  });

  it("passes promtool check rules", () => {
    const file = path.join(dir, "check-rules.yml");
    fs.writeFileSync(file, renderAlertRules(SPEC_THRESHOLDS));
    const r = run("promtool", ["check", "rules", file]);
    expect([r.status, r.stdout.trim()]).toEqual([0, `Checking ${file}\n  SUCCESS: 4 rules found`]);
  });

  /** Runs `promtool test rules` on `tests` against the rules rendered with `thresholds`. */
  function promtoolTest(name: string, thresholds: AlertThresholds, tests: unknown[]) {
    const d = path.join(dir, name);
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, "rules.yml"), renderAlertRules(thresholds));
    fs.writeFileSync(
      path.join(d, "test.yml"),
      JSON.stringify({ rule_files: ["rules.yml"], evaluation_interval: "1m", tests }),
    );
    return run("promtool", ["test", "rules", "test.yml"], { cwd: d });
  }

  const target = 'job="skriptoteket", instance="skriptoteket-web:8000"';
  const annotations = (alert: string, t: AlertThresholds = SPEC_THRESHOLDS) =>
    alertRules(t).find((r) => r.alert === alert)!.annotations;
  const fired = (alert: string, labels: Record<string, string>, t?: AlertThresholds) => [
    { exp_labels: labels, exp_annotations: annotations(alert, t) },
  ];
  /** Counter series rising by `perMinute` for 20 minutes. */
  const counter = (series: string, perMinute: number) => ({ series, values: `0+${perMinute}x20` });
  /** One histogram (one method/endpoint) whose every request lands in the bucket `le`. */
  const histogram = (le: string, perMinute: number) =>
    ["0.5", "1", "2.5", "5", "+Inf"].map((bound) =>
      counter(
        `skriptoteket_http_request_duration_seconds_bucket{${target}, method="GET", endpoint="/", le="${bound}"}`,
        bound === "+Inf" || Number(bound) >= Number(le) ? perMinute : 0,
      ),
    );
  const fivexx = (errors: number, ok: number) => [
    counter(
      `skriptoteket_http_requests_total{${target}, method="GET", endpoint="/", status_code="500"}`,
      errors,
    ),
    counter(`skriptoteket_http_requests_total{${target}, method="GET", endpoint="/", status_code="200"}`, ok),
  ];

  it("fires each alert from synthetic series above its threshold once `for` has passed, and not before", () => {
    const r = promtoolTest("fire", SPEC_THRESHOLDS, [
      {
        interval: "1m",
        input_series: [{ series: `up{${target}}`, values: "0x10" }],
        alert_rule_test: [
          // Pending for the first minute of `for: 1m`.
          { eval_time: "0m", alertname: "SkriptoteketDown", exp_alerts: [] },
          {
            eval_time: "2m",
            alertname: "SkriptoteketDown",
            exp_alerts: fired("SkriptoteketDown", {
              severity: "critical",
              job: "skriptoteket",
              instance: "skriptoteket-web:8000",
            }),
          },
        ],
      },
      {
        interval: "1m",
        // 20 of 100 requests a minute answer 500: a 0.2 share.
        input_series: fivexx(20, 80),
        alert_rule_test: [
          { eval_time: "4m", alertname: "SkriptoteketHighErrorRate", exp_alerts: [] },
          {
            eval_time: "12m",
            alertname: "SkriptoteketHighErrorRate",
            exp_alerts: fired("SkriptoteketHighErrorRate", { severity: "warning" }),
          },
        ],
      },
      {
        interval: "1m",
        // Every request takes 2.5-5 s: p99 interpolates to 4.975 s.
        input_series: histogram("5", 10),
        alert_rule_test: [
          { eval_time: "4m", alertname: "SkriptoteketHighLatency", exp_alerts: [] },
          {
            eval_time: "12m",
            alertname: "SkriptoteketHighLatency",
            exp_alerts: fired("SkriptoteketHighLatency", { severity: "warning" }),
          },
        ],
      },
      {
        interval: "1m",
        input_series: [
          { series: `skriptoteket_session_files_bytes_total{${target}}`, values: "600000000x10" },
        ],
        alert_rule_test: [
          { eval_time: "4m", alertname: "SkriptoteketSessionFilesQuota", exp_alerts: [] },
          {
            eval_time: "6m",
            alertname: "SkriptoteketSessionFilesQuota",
            exp_alerts: fired("SkriptoteketSessionFilesQuota", {
              severity: "warning",
              job: "skriptoteket",
              instance: "skriptoteket-web:8000",
            }),
          },
        ],
      },
    ]);
    expect([r.status, r.stderr, r.stdout.trim()]).toEqual([0, "", "Unit Testing:  test.yml\n  SUCCESS"]);
  });

  it("fires none of them below the thresholds", () => {
    const r = promtoolTest("quiet", SPEC_THRESHOLDS, [
      {
        interval: "1m",
        input_series: [
          { series: `up{${target}}`, values: "1x20" },
          // A 0.05 share of 5xx.
          ...fivexx(5, 95),
          // Every request under 0.5 s.
          ...histogram("0.5", 10),
          { series: `skriptoteket_session_files_bytes_total{${target}}`, values: "524288000x20" },
        ],
        alert_rule_test: [
          "SkriptoteketDown",
          "SkriptoteketHighErrorRate",
          "SkriptoteketHighLatency",
          "SkriptoteketSessionFilesQuota",
        ].map((alertname) => ({ eval_time: "15m", alertname, exp_alerts: [] })),
      },
    ]);
    expect([r.status, r.stderr, r.stdout.trim()]).toEqual([0, "", "Unit Testing:  test.yml\n  SUCCESS"]);
  });

  it("takes its thresholds from config: the same slow series stays quiet under a 5 s limit", () => {
    const relaxed = { ...SPEC_THRESHOLDS, latencyP99Seconds: 5, errorRatio: 0.25 };
    const r = promtoolTest("relaxed", relaxed, [
      {
        interval: "1m",
        input_series: [...histogram("5", 10), ...fivexx(20, 80)],
        alert_rule_test: [
          { eval_time: "15m", alertname: "SkriptoteketHighLatency", exp_alerts: [] },
          { eval_time: "15m", alertname: "SkriptoteketHighErrorRate", exp_alerts: [] },
        ],
      },
    ]);
    expect([r.status, r.stderr, r.stdout.trim()]).toEqual([0, "", "Unit Testing:  test.yml\n  SUCCESS"]);
  });

  it("a promtool test that expects the wrong alert fails, so the tests above can fail", () => {
    const r = promtoolTest("wrong", SPEC_THRESHOLDS, [
      {
        interval: "1m",
        input_series: [{ series: `up{${target}}`, values: "1x10" }],
        alert_rule_test: [
          {
            eval_time: "5m",
            alertname: "SkriptoteketDown",
            exp_alerts: fired("SkriptoteketDown", { severity: "critical" }),
          },
        ],
      },
    ]);
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toContain("FAILED");
  });
});
