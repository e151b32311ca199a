/**
 * Counters, gauges and histograms with labels, written in the Prometheus text format (0.0.4).
 * Small on purpose: what `/metrics` needs, without a dependency. Gauges that are read rather
 * than kept (active streams, dependencies) are filled by collectors just before a scrape.
 */

export type Labels = Record<string, string>;

export interface Counter {
  inc(labels?: Labels, value?: number): void;
}

export interface Gauge {
  set(labels: Labels, value: number): void;
  /** Forgets every series (a collector that sets them all again). */
  reset(): void;
}

export interface Histogram {
  observe(labels: Labels, value: number): void;
}

interface Definition {
  name: string;
  help: string;
}

export interface MetricsRegistry {
  counter(definition: Definition): Counter;
  gauge(definition: Definition): Gauge;
  histogram(definition: Definition & { buckets: readonly number[] }): Histogram;
  /** Runs before every render; a collector that fails leaves its gauges as they were. */
  collect(collector: () => void | Promise<void>): void;
  render(): Promise<string>;
}

/** The content type of the text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatLabels(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return '';
  return `{${pairs.map(([key, value]) => `${key}="${escapeLabelValue(value)}"`).join(',')}}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function keyOf(labels: Labels): string {
  for (const key of Object.keys(labels)) if (!LABEL.test(key)) throw new Error(`invalid label name ${key}`);
  return formatLabels(labels);
}

interface Family {
  definition: Definition;
  type: 'counter' | 'gauge' | 'histogram';
  lines(): string[];
}

export function createMetricsRegistry(): MetricsRegistry {
  const families: Family[] = [];
  const collectors: Array<() => void | Promise<void>> = [];

  const register = (family: Family) => {
    if (!NAME.test(family.definition.name)) throw new Error(`invalid metric name ${family.definition.name}`);
    if (families.some((f) => f.definition.name === family.definition.name)) throw new Error(`metric ${family.definition.name} is defined twice`);
    families.push(family);
  };

  return {
    counter(definition) {
      const series = new Map<string, { labels: Labels; value: number }>();
      register({ definition, type: 'counter', lines: () => [...series.values()].map((s) => `${definition.name}${formatLabels(s.labels)} ${formatValue(s.value)}`) });
      return {
        inc(labels = {}, value = 1) {
          const key = keyOf(labels);
          const current = series.get(key);
          if (current) current.value += value;
          else series.set(key, { labels: { ...labels }, value });
        },
      };
    },

    gauge(definition) {
      const series = new Map<string, { labels: Labels; value: number }>();
      register({ definition, type: 'gauge', lines: () => [...series.values()].map((s) => `${definition.name}${formatLabels(s.labels)} ${formatValue(s.value)}`) });
      return {
        set(labels, value) {
          series.set(keyOf(labels), { labels: { ...labels }, value });
        },
        reset() {
          series.clear();
        },
      };
    },

    histogram({ buckets, ...definition }) {
      const bounds = [...buckets].sort((a, b) => a - b);
      const series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
      register({
        definition, type: 'histogram',
        lines: () => [...series.values()].flatMap((s) => {
          // Buckets are cumulative: each counts the observations at or below its bound.
          let cumulative = 0;
          return [
            ...bounds.map((bound, i) => {
              cumulative += s.counts[i]!;
              return `${definition.name}_bucket${formatLabels(s.labels, ['le', formatValue(bound)])} ${cumulative}`;
            }),
            `${definition.name}_bucket${formatLabels(s.labels, ['le', '+Inf'])} ${s.count}`,
            `${definition.name}_sum${formatLabels(s.labels)} ${formatValue(s.sum)}`,
            `${definition.name}_count${formatLabels(s.labels)} ${s.count}`,
          ];
        }),
      });
      return {
        observe(labels, value) {
          const key = keyOf(labels);
          let current = series.get(key);
          if (!current) {
            current = { labels: { ...labels }, counts: bounds.map(() => 0), sum: 0, count: 0 };
            series.set(key, current);
          }
          const index = bounds.findIndex((bound) => value <= bound);
          if (index >= 0) current.counts[index]!++;
          current.sum += value;
          current.count++;
        },
      };
    },

    collect(collector) {
      collectors.push(collector);
    },

    async render() {
      await Promise.all(collectors.map(async (collector) => {
        try {
          await collector();
        } catch {
          // a collector that fails leaves its last values; the scrape still answers
        }
      }));
      return families.map((family) => [
        `# HELP ${family.definition.name} ${escapeHelp(family.definition.help)}`,
        `# TYPE ${family.definition.name} ${family.type}`,
        ...family.lines(),
      ].join('\n')).join('\n') + '\n';
    },
  };
}
