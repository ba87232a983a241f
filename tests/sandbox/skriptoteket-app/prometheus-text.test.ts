/** The scrape reader the /metrics test relies on must reject what Prometheus would reject. */
import { parsePrometheusText, sampleValue } from "./prometheus-text";

const HISTOGRAM = [
  "# HELP d_seconds Duration",
  "# TYPE d_seconds histogram",
  'd_seconds_bucket{path="/a",le="0.1"} 1.0',
  'd_seconds_bucket{path="/a",le="+Inf"} 3.0',
  'd_seconds_sum{path="/a"} 0.7',
  'd_seconds_count{path="/a"} 3.0',
];

test("reads families, escaped labels and histograms", () => {
  const m = parsePrometheusText(
    [
      ...HISTOGRAM,
      "# TYPE c_total counter",
      'c_total{q="a\\"b\\\\c\\nd"} 2',
      "# TYPE g gauge",
      "g +Inf",
      "",
    ].join("\n"),
  );
  expect(m.get("d_seconds")?.samples).toHaveLength(4);
  expect(sampleValue(m, "c_total", { q: 'a"b\\c\nd' })).toBe(2);
  expect(sampleValue(m, "d_seconds_bucket", { le: "+Inf" })).toBe(3);
  expect(sampleValue(m, "g")).toBe(Infinity);
});

test.each([
  ["a sample without # TYPE", "x 1\n", "line 1: x has no # TYPE before it"],
  ["a bad value", "# TYPE x gauge\nx one\n", "line 2: bad value one"],
  ["bad labels", "# TYPE x gauge\nx{a=1} 1\n", "line 2: bad labels {a=1}"],
  ["a missing final newline", "# TYPE x gauge\nx 1", "does not end with a newline"],
  ["a blank line", "# TYPE x gauge\n\nx 1\n", 'line 2: not a sample: ""'],
  [
    "buckets that shrink",
    HISTOGRAM.join("\n").replace('le="0.1"} 1.0', 'le="0.1"} 4.0') + "\n",
    "not ordered and cumulative",
  ],
  [
    "a _count unlike +Inf",
    HISTOGRAM.join("\n").replace('_count{path="/a"} 3.0', '_count{path="/a"} 2.0') + "\n",
    "_count is not the +Inf bucket",
  ],
  [
    "no +Inf bucket",
    HISTOGRAM.filter((l) => !l.includes("+Inf")).join("\n") + "\n",
    'the last bucket is not le="+Inf"',
  ],
])("rejects %s", (_name, text, message) => {
  expect(() => parsePrometheusText(text)).toThrow(message);
});
