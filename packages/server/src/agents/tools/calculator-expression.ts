/**
 * Arithmetic expressions, parsed by precedence climbing (Pratt) and evaluated as they are
 * parsed. No `eval`, no `Function`, no property lookups on user text: names are looked up in
 * Maps, so `constructor` or `__proto__` are just unknown names.
 *
 * Grammar, loosest first: + - (left), * / % (left), unary + - , ^ or ** (right), then
 * numbers, pi, e, function calls and parentheses. Unary minus binds looser than ^, so
 * -2^2 is -4 as in mathematics, and 2^-1 is 0.5.
 */

export const MAX_EXPRESSION_LENGTH = 1000;
export const MAX_NESTING = 64;

export type Evaluation = { ok: true; value: number } | { ok: false; message: string };

interface Token {
  kind: 'number' | 'name' | 'operator' | 'open' | 'close' | 'comma' | 'end';
  text: string;
  /** 1-based character position, as people count. */
  position: number;
  value?: number;
}

class ExpressionError extends Error {}

interface FunctionSpec {
  minArgs: number;
  maxArgs: number;
  apply(args: number[], position: number): number;
}

const unary = (fn: (x: number) => number): FunctionSpec => ({ minArgs: 1, maxArgs: 1, apply: ([x]) => fn(x!) });

const FUNCTIONS = new Map<string, FunctionSpec>([
  ['sqrt', unary(Math.sqrt)],
  ['abs', unary(Math.abs)],
  ['floor', unary(Math.floor)],
  ['ceil', unary(Math.ceil)],
  ['exp', unary(Math.exp)],
  ['ln', unary(Math.log)],
  ['sin', unary(Math.sin)],
  ['cos', unary(Math.cos)],
  ['tan', unary(Math.tan)],
  ['min', { minArgs: 1, maxArgs: 100, apply: (args) => Math.min(...args) }],
  ['max', { minArgs: 1, maxArgs: 100, apply: (args) => Math.max(...args) }],
  ['log', {
    // log(x) is base 10; log(x, b) is base b.
    minArgs: 1, maxArgs: 2,
    apply: ([x, base], position) => {
      if (base === undefined) return Math.log10(x!);
      if (base <= 0 || base === 1) throw new ExpressionError(`The base of log at character ${position} must be positive and not 1.`);
      return Math.log(x!) / Math.log(base);
    },
  }],
  ['round', {
    // round(x) or round(x, digits); halves go away from zero (round(-2.5) is -3).
    minArgs: 1, maxArgs: 2,
    apply: ([x, digits = 0], position) => {
      if (!Number.isInteger(digits) || digits < 0 || digits > 15) throw new ExpressionError(`The digits of round at character ${position} must be a whole number from 0 to 15.`);
      const factor = 10 ** digits;
      return (Math.sign(x!) * Math.round(Math.abs(x!) * factor)) / factor;
    },
  }],
]);

const CONSTANTS = new Map<string, number>([
  ['pi', Math.PI],
  ['e', Math.E],
]);

/** Left and right binding power of each infix operator; right < left makes it right-associative. */
const INFIX = new Map<string, [number, number]>([
  ['+', [10, 11]],
  ['-', [10, 11]],
  ['*', [20, 21]],
  ['/', [20, 21]],
  ['%', [20, 21]],
  ['^', [41, 40]],
  ['**', [41, 40]],
]);
const PREFIX_POWER = 30;

export function evaluateExpression(source: string): Evaluation {
  if (source.length > MAX_EXPRESSION_LENGTH) return { ok: false, message: `The expression is ${source.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}.` };
  if (source.trim() === '') return { ok: false, message: 'The expression is empty.' };
  try {
    const parser = new Parser(tokenize(source));
    const value = parser.expression(0);
    parser.expectEnd();
    return { ok: true, value: Object.is(value, -0) ? 0 : value };
  } catch (error) {
    if (error instanceof ExpressionError) return { ok: false, message: error.message };
    throw error;
  }
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const char = source[i]!;
    const position = i + 1;
    if (char === ' ' || char === '\t' || char === '\n' || char === '\r') {
      i++;
    } else if (isDigit(char) || (char === '.' && isDigit(source[i + 1]))) {
      let end = i;
      while (isDigit(source[end])) end++;
      if (source[end] === '.') {
        end++;
        while (isDigit(source[end])) end++;
      }
      // An exponent only when digits follow: "2e" is 2 followed by the name e (an error later).
      if (source[end] === 'e' || source[end] === 'E') {
        let exponentEnd = end + 1;
        if (source[exponentEnd] === '+' || source[exponentEnd] === '-') exponentEnd++;
        if (isDigit(source[exponentEnd])) {
          while (isDigit(source[exponentEnd])) exponentEnd++;
          end = exponentEnd;
        }
      }
      const text = source.slice(i, end);
      if (source[end] === '.') throw new ExpressionError(`The number at character ${position} has a second decimal point.`);
      const value = Number(text);
      if (!Number.isFinite(value)) throw new ExpressionError(`The number ${clip(text)} at character ${position} is too large.`);
      tokens.push({ kind: 'number', text, position, value });
      i = end;
    } else if (isNameStart(char)) {
      let end = i + 1;
      while (isNameStart(source[end]) || isDigit(source[end])) end++;
      tokens.push({ kind: 'name', text: source.slice(i, end), position });
      i = end;
    } else if (char === '*' && source[i + 1] === '*') {
      tokens.push({ kind: 'operator', text: '**', position });
      i += 2;
    } else if ('+-*/%^'.includes(char)) {
      tokens.push({ kind: 'operator', text: char, position });
      i++;
    } else if (char === '(' || char === ')' || char === ',') {
      tokens.push({ kind: char === '(' ? 'open' : char === ')' ? 'close' : 'comma', text: char, position });
      i++;
    } else {
      const shown = char.codePointAt(0)! < 32 ? `U+${char.codePointAt(0)!.toString(16).padStart(4, '0')}` : `"${char}"`;
      throw new ExpressionError(`Unexpected character ${shown} at character ${position}; use numbers, + - * / % ^, parentheses and functions.`);
    }
  }
  tokens.push({ kind: 'end', text: '', position: source.length + 1 });
  return tokens;
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  expression(minPower: number): number {
    if (++this.depth > MAX_NESTING) throw new ExpressionError(`The expression is nested more than ${MAX_NESTING} levels deep.`);
    let left = this.prefix();
    for (;;) {
      const token = this.peek();
      if (token.kind !== 'operator') break;
      const [leftPower, rightPower] = INFIX.get(token.text)!;
      if (leftPower < minPower) break;
      this.index++;
      const right = this.expression(rightPower);
      left = applyInfix(token, left, right);
    }
    this.depth--;
    return left;
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.kind === 'end') return;
    if (token.kind === 'close') throw new ExpressionError(`Unmatched ")" at character ${token.position}.`);
    throw new ExpressionError(`Expected an operator before ${describeToken(token)} at character ${token.position}.`);
  }

  private prefix(): number {
    const token = this.next();
    switch (token.kind) {
      case 'number':
        return token.value!;
      case 'operator':
        if (token.text === '-' || token.text === '+') {
          const operand = this.expression(PREFIX_POWER);
          return token.text === '-' ? -operand : operand;
        }
        throw new ExpressionError(`Expected a number before "${token.text}" at character ${token.position}.`);
      case 'open': {
        const value = this.expression(0);
        this.expect('close', `Missing ")" for the "(" at character ${token.position}`);
        return value;
      }
      case 'name':
        return this.name(token);
      case 'end':
        throw new ExpressionError(`The expression ends where a number was expected (character ${token.position}).`);
      default:
        throw new ExpressionError(`Expected a number, not ${describeToken(token)}, at character ${token.position}.`);
    }
  }

  private name(token: Token): number {
    const name = token.text.toLowerCase();
    const fn = FUNCTIONS.get(name);
    if (fn) {
      this.expect('open', `The function ${name} at character ${token.position} needs parentheses: ${name}(…)`);
      const args: number[] = [];
      if (this.peek().kind !== 'close') {
        args.push(this.expression(0));
        while (this.peek().kind === 'comma') {
          this.index++;
          args.push(this.expression(0));
        }
      }
      this.expect('close', `Missing ")" after the arguments of ${name} at character ${token.position}`);
      if (args.length < fn.minArgs || args.length > fn.maxArgs) {
        const wanted = fn.minArgs === fn.maxArgs ? `${fn.minArgs}` : fn.maxArgs === 100 ? `at least ${fn.minArgs}` : `${fn.minArgs} or ${fn.maxArgs}`;
        throw new ExpressionError(`The function ${name} at character ${token.position} takes ${wanted} argument${wanted === '1' ? '' : 's'}, not ${args.length}.`);
      }
      return checked(fn.apply(args, token.position), `${name}(…) at character ${token.position}`);
    }
    const constant = CONSTANTS.get(name);
    if (constant !== undefined) return constant;
    throw new ExpressionError(`Unknown name "${clip(token.text)}" at character ${token.position}; known are the functions ${[...FUNCTIONS.keys()].join(', ')} and the constants pi, e.`);
  }

  private expect(kind: Token['kind'], message: string): void {
    const token = this.next();
    if (token.kind !== kind) throw new ExpressionError(`${message}; found ${describeToken(token)} at character ${token.position}.`);
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    const token = this.tokens[this.index]!;
    if (token.kind !== 'end') this.index++;
    return token;
  }
}

function applyInfix(operator: Token, left: number, right: number): number {
  const where = `"${operator.text}" at character ${operator.position}`;
  switch (operator.text) {
    case '+': return checked(left + right, where);
    case '-': return checked(left - right, where);
    case '*': return checked(left * right, where);
    case '/':
      if (right === 0) throw new ExpressionError(`Division by zero at character ${operator.position}.`);
      return checked(left / right, where);
    case '%':
      if (right === 0) throw new ExpressionError(`Division by zero (remainder) at character ${operator.position}.`);
      return checked(left % right, where);
    default:
      if (left === 0 && right < 0) throw new ExpressionError(`Division by zero: 0 to a negative power at character ${operator.position}.`);
      return checked(left ** right, where);
  }
}

/** Every intermediate result is a finite real number, or the expression fails there. */
function checked(value: number, where: string): number {
  if (Number.isNaN(value)) throw new ExpressionError(`The result of ${where} is not a real number.`);
  if (!Number.isFinite(value)) throw new ExpressionError(`Overflow: the result of ${where} is too large (or undefined).`);
  return value;
}

function describeToken(token: Token): string {
  if (token.kind === 'end') return 'the end';
  if (token.kind === 'number') return `the number ${clip(token.text)}`;
  if (token.kind === 'name') return `"${clip(token.text)}"`;
  return `"${token.text}"`;
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

function isNameStart(char: string | undefined): boolean {
  return char !== undefined && ((char >= 'a' && char <= 'z') || (char >= 'A' && char <= 'Z') || char === '_');
}

function clip(text: string, max = 32): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A result as people write it: 15 significant digits, so 0.1 + 0.2 is 0.3. */
export function formatNumber(value: number): string {
  const rounded = Number(value.toPrecision(15));
  return String(Object.is(rounded, -0) ? 0 : rounded);
}
