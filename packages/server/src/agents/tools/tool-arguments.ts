/**
 * The built-in tools declare their arguments once, as the JSON Schema the model sees, and
 * check what the model sent against that same schema. A failed check is a message for the
 * model (it may correct itself), never a throw.
 */
import type { ToolResult } from './tool.js';

export interface ArgumentSchema {
  type: 'string' | 'number' | 'integer' | 'boolean';
  description: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
}

export interface ParametersSchema {
  type: 'object';
  properties: Record<string, ArgumentSchema>;
  required: string[];
  additionalProperties: false;
}

/** The first thing wrong with `args`, as a sentence naming the argument; undefined when they fit. */
export function argumentProblem(schema: ParametersSchema, args: unknown): string | undefined {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return 'The arguments must be a JSON object.';
  const known = Object.keys(schema.properties);
  const takes = known.length > 0 ? `this tool takes: ${known.join(', ')}` : 'this tool takes no arguments';
  // Own keys only: `__proto__` or `constructor` sent as arguments are unknown names like any other.
  for (const key of Object.keys(args)) {
    if (!Object.hasOwn(schema.properties, key)) return `Unknown argument "${clip(key)}"; ${takes}.`;
  }
  for (const name of schema.required) {
    if (!Object.hasOwn(args, name) || (args as Record<string, unknown>)[name] === undefined) return `Missing the argument "${name}"; ${takes}.`;
  }
  for (const [name, spec] of Object.entries(schema.properties)) {
    if (!Object.hasOwn(args, name)) continue;
    const problem = valueProblem(spec, (args as Record<string, unknown>)[name]);
    if (problem) return `The argument "${name}" ${problem}.`;
  }
  return undefined;
}

function valueProblem(spec: ArgumentSchema, value: unknown): string | undefined {
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') return `must be a string, not ${describe(value)}`;
      if (spec.minLength !== undefined && value.length < spec.minLength) return spec.minLength === 1 ? 'must not be empty' : `must have at least ${spec.minLength} characters`;
      if (spec.maxLength !== undefined && value.length > spec.maxLength) return `must have at most ${spec.maxLength} characters (it has ${value.length})`;
      return undefined;
    case 'number':
    case 'integer':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a number, not ${describe(value)}`;
      if (spec.type === 'integer' && !Number.isInteger(value)) return `must be a whole number, not ${value}`;
      if (spec.minimum !== undefined && value < spec.minimum) return `must be at least ${spec.minimum}`;
      if (spec.maximum !== undefined && value > spec.maximum) return `must be at most ${spec.maximum}`;
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `must be true or false, not ${describe(value)}`;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${clip(JSON.stringify(value) ?? String(value))}`;
}

function clip(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function errorResult(content: string): ToolResult {
  return { content, isError: true };
}

export function textResult(content: string): ToolResult {
  return { content };
}

/** Cuts `text` to `maxChars`, saying so at the end when it did. */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}\n[truncated: showing the first ${maxChars} of ${text.length} characters]`;
}
