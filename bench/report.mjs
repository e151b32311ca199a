/**
 * The benchmark's output: one JSON line per figure on stdout, as soon as it is measured,
 * and a final summary line. A figure with a target says whether it is met (`ok`); one
 * without (`target: null`, `ok: null`) is context for reading the others.
 */
import { round } from './statistics.mjs';

const comparisons = {
  '<': (value, limit) => value < limit,
  '<=': (value, limit) => value <= limit,
  '>=': (value, limit) => value >= limit,
  '=': (value, limit) => value === limit,
};

export function createReport(write = (line) => process.stdout.write(`${line}\n`)) {
  let met = 0;
  let missed = 0;
  let informational = 0;
  return {
    /**
     * `target` is `[operator, limit]` applied to `value`, or undefined for context only.
     * `details` are extra fields (the raw numbers behind a difference or a ratio).
     */
    figure({ bench, figure, concurrency, value, unit, baseline, target, details = {} }) {
      const ok = target === undefined ? null : value !== null && Number.isFinite(value) && comparisons[target[0]](value, target[1]);
      if (ok === null) informational++;
      else if (ok) met++;
      else missed++;
      const line = {
        bench, figure, ...(concurrency === undefined ? {} : { concurrency }),
        value: typeof value === 'number' ? round(value, 3) : value, unit,
        baseline: typeof baseline === 'number' ? round(baseline, 3) : baseline ?? null,
        target: target === undefined ? null : `${target[0]} ${target[1]}`, ok, ...details,
      };
      write(JSON.stringify(line));
    },
    summary(extra = {}) {
      write(JSON.stringify({ bench: 'summary', ok: met, missed, info: informational, ...extra }));
      return { met, missed };
    },
  };
}
