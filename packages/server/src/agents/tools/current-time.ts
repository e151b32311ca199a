import { argumentProblem, errorResult, textResult, type ParametersSchema } from './tool-arguments.js';
import type { Tool } from './tool.js';

const parameters: ParametersSchema = {
  type: 'object',
  properties: {
    timezone: { type: 'string', minLength: 1, maxLength: 64, description: 'An IANA time zone such as "Europe/Berlin", "America/New_York" or "UTC". Default: the server\'s time zone.' },
  },
  required: [],
  additionalProperties: false,
};

export interface CurrentTimeOptions {
  /** The clock; tests pass a fixed one. */
  now?: () => Date;
}

/** The date and time now, so the model does not guess from its training data. */
export function createCurrentTimeTool(options: CurrentTimeOptions = {}): Tool {
  const now = options.now ?? (() => new Date());
  return {
    name: 'current_time',
    description: 'Returns the current date and time (ISO 8601 with the UTC offset, weekday) in a time zone.',
    parameters: parameters as unknown as Record<string, unknown>,
    source: 'builtin',
    async execute(args) {
      const problem = argumentProblem(parameters, args);
      if (problem) return errorResult(problem);
      const requested = args.timezone as string | undefined;
      let format: Intl.DateTimeFormat;
      try {
        format = new Intl.DateTimeFormat('en-US', {
          timeZone: requested ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
          year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', weekday: 'long', hourCycle: 'h23',
        });
      } catch {
        return errorResult(`Unknown time zone "${requested}"; use an IANA name such as "Europe/Berlin", "America/New_York" or "UTC".`);
      }
      const date = now();
      const local = localTime(format, date);
      return textResult(JSON.stringify({
        timezone: format.resolvedOptions().timeZone,
        local: local.iso,
        weekday: local.weekday,
        utc: date.toISOString(),
        unix_ms: date.getTime(),
      }));
    },
  };
}

/** `2024-05-01T12:00:00+02:00` in the formatter's zone. */
function localTime(format: Intl.DateTimeFormat, date: Date): { iso: string; weekday: string } {
  const parts = Object.fromEntries(format.formatToParts(date).map((part) => [part.type, part.value]));
  const [year, month, day, hour, minute, second] = [parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second].map(Number) as [number, number, number, number, number, number];
  const wallClockAsUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  const offsetMinutes = Math.round((wallClockAsUtc - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(offsetMinutes);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const offset = `${sign}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`;
  return {
    iso: `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${offset}`,
    weekday: parts.weekday ?? '',
  };
}
