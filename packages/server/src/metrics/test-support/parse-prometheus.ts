/**
 * A strict reader of the Prometheus text format (0.0.4) for tests: every sample must belong
 * to a family declared by `# TYPE` before it, names and labels must be well formed, label
 * values are unescaped, and histograms must be cumulative with `+Inf` equal to `_count`.
 * It throws on anything a Prometheus server would refuse.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, line: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const value = Number(text);
  if (!/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text) || Number.isNaN(value)) throw new Error(`bad value in: ${line}`);
  return value;
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let at = 0;
  while (at < text.length) {
    const name = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(text.slice(at));
    if (!name) throw new Error(`bad label at ${at} in: ${line}`);
    at += name[0].length;
    let value = '';
    for (;;) {
      const char = text[at];
      if (char === undefined) throw new Error(`unterminated label value in: ${line}`);
      at++;
      if (char === '"') break;
      if (char === '\\') {
        const escaped = text[at++];
        if (escaped === 'n') value += '\n';
        else if (escaped === '\\' || escaped === '"') value += escaped;
        else throw new Error(`bad escape in: ${line}`);
      } else value += char;
    }
    if (name[1]! in labels) throw new Error(`label ${name[1]} twice in: ${line}`);
    labels[name[1]!] = value;
    if (text[at] === ',') at++;
    else if (at !== text.length) throw new Error(`expected , in: ${line}`);
  }
  return labels;
}

function familyOf(sampleName: string, families: Map<string, Family>): Family | undefined {
  for (const suffix of ['', '_bucket', '_sum', '_count']) {
    if (!sampleName.endsWith(suffix)) continue;
    const family = families.get(sampleName.slice(0, sampleName.length - suffix.length));
    if (family && (suffix === '' || family.type === 'histogram' || family.type === 'summary')) return family;
  }
  return undefined;
}

export function parsePrometheusText(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const comment = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
      if (!comment) continue;
      const [, kind, name, rest] = comment as unknown as [string, string, string, string];
      if (kind === 'HELP') helps.set(name, rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\'));
      else {
        if (!TYPES.has(rest)) throw new Error(`unknown type in: ${line}`);
        if (families.has(name)) throw new Error(`type of ${name} declared twice`);
        families.set(name, { name, type: rest, help: helps.get(name) ?? '', samples: [] });
      }
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample: ${line}`);
    const family = familyOf(match[1]!, families);
    if (!family) throw new Error(`sample before its # TYPE: ${line}`);
    family.samples.push({ name: match[1]!, labels: match[2] ? parseLabels(match[2], line) : {}, value: parseValue(match[3]!, line) });
  }
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function checkHistogram(family: Family): void {
  const series = new Map<string, Sample[]>();
  const keyOf = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).filter(([k]) => k !== 'le').sort());
  for (const sample of family.samples) {
    const key = keyOf(sample.labels);
    series.set(key, [...(series.get(key) ?? []), sample]);
  }
  for (const samples of series.values()) {
    const buckets = samples.filter((s) => s.name.endsWith('_bucket'));
    const count = samples.find((s) => s.name.endsWith('_count'));
    let previous = -Infinity;
    let last = 0;
    for (const bucket of buckets) {
      const bound = parseValue(bucket.labels.le ?? '', bucket.name);
      if (bound <= previous) throw new Error(`${family.name}: buckets out of order`);
      if (bucket.value < last) throw new Error(`${family.name}: buckets are not cumulative`);
      previous = bound;
      last = bucket.value;
    }
    if (previous !== Infinity || !count || count.value !== last) throw new Error(`${family.name}: the +Inf bucket must equal _count`);
  }
}

/** The value of one sample whose labels include these. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name === name && Object.entries(labels).every(([k, v]) => sample.labels[k] === v)) return sample.value;
    }
  }
  return undefined;
}
