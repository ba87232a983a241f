/* global require, module, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- Jest loads its sequencer as CommonJS */
"use strict";
/**
 * Jest's own order (files that failed last time first, then the slowest first by the durations
 * Jest keeps in its cache), except that a file Jest has no duration for yet takes the one in
 * durations.json, measured on the 2-core machine. Jest keeps durations per checkout path, so
 * without this a fresh checkout (CI) orders by file size and the suite's longest files can start
 * last, leaving one core idle at the end. Refresh durations.json from `npm test -- --json
 * --outputFile=<file>` when files change a lot; a file missing from it only starts earlier.
 */
const path = require("path");
const Sequencer = require("@jest/test-sequencer").default;
const DURATIONS = require("./durations.json");

const ROOT = path.resolve(__dirname, "..", "..");

class MeasuredSequencer extends Sequencer {
  time(test) {
    return super.time(test) ?? DURATIONS[path.relative(ROOT, test.path)];
  }
}

module.exports = MeasuredSequencer;
