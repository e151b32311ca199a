import { describe, expect, it } from 'vitest';
import { MAX_EXPRESSION_LENGTH, evaluateExpression, formatNumber } from './calculator-expression.js';
import { createCalculatorTool } from './calculator.js';

const context = { ownerId: 'u1', signal: new AbortController().signal };

function value(expression: string): number {
  const result = evaluateExpression(expression);
  if (!result.ok) throw new Error(`${expression}: ${result.message}`);
  return result.value;
}

function failure(expression: string): string {
  const result = evaluateExpression(expression);
  if (result.ok) throw new Error(`${expression} evaluated to ${result.value}`);
  return result.message;
}

describe('calculator expressions', () => {
  it('reads integers, decimals and exponents', () => {
    expect(value('42')).toBe(42);
    expect(value('3.25')).toBe(3.25);
    expect(value('.5')).toBe(0.5);
    expect(value('5.')).toBe(5);
    expect(value('1e3')).toBe(1000);
    expect(value('2.5E-2')).toBe(0.025);
    expect(value('1e+2')).toBe(100);
  });

  it('applies precedence: * / % before + -, ^ before *', () => {
    expect(value('2 + 3 * 4')).toBe(14);
    expect(value('(2 + 3) * 4')).toBe(20);
    expect(value('10 - 4 / 2')).toBe(8);
    expect(value('2 * 3 ^ 2')).toBe(18);
    expect(value('7 + 10 % 4')).toBe(9);
  });

  it('associates - and / to the left and ^ to the right', () => {
    expect(value('10 - 4 - 3')).toBe(3);
    expect(value('64 / 4 / 2')).toBe(8);
    expect(value('2 ^ 3 ^ 2')).toBe(512);
    expect(value('2 ** 3 ** 2')).toBe(512);
    expect(value('100 % 7 % 3')).toBe(2);
  });

  it('binds unary minus looser than ^ and tighter than *', () => {
    expect(value('-2 ^ 2')).toBe(-4);
    expect(value('(-2) ^ 2')).toBe(4);
    expect(value('2 ^ -1')).toBe(0.5);
    expect(value('-3 * -2')).toBe(6);
    expect(value('--3')).toBe(3);
    expect(value('+3 - -3')).toBe(6);
    expect(value('-(2 + 3)')).toBe(-5);
  });

  it('calls functions and knows pi and e', () => {
    expect(value('sqrt(16)')).toBe(4);
    expect(value('abs(-3.5)')).toBe(3.5);
    expect(value('round(2.5)')).toBe(3);
    expect(value('round(-2.5)')).toBe(-3);
    expect(value('round(3.14159, 2)')).toBe(3.14);
    expect(value('floor(-1.5) + ceil(1.2)')).toBe(0);
    expect(value('min(4, 2, 8)')).toBe(2);
    expect(value('max(4, 2 * 5, 8)')).toBe(10);
    expect(value('log(1000)')).toBeCloseTo(3);
    expect(value('log(8, 2)')).toBeCloseTo(3);
    expect(value('ln(e)')).toBe(1);
    expect(value('exp(0)')).toBe(1);
    expect(value('sin(pi / 2)')).toBe(1);
    expect(value('cos(0)')).toBe(1);
    expect(value('tan(0)')).toBe(0);
    expect(value('PI')).toBe(Math.PI);
    expect(value('sqrt(sqrt(256))')).toBe(4);
  });

  it('formats results to 15 significant digits', () => {
    expect(formatNumber(value('0.1 + 0.2'))).toBe('0.3');
    expect(formatNumber(value('1 / 3'))).toBe('0.333333333333333');
    expect(formatNumber(value('-0 * 5'))).toBe('0');
    expect(formatNumber(value('2 ^ 80'))).toBe('1.20892581961463e+24');
  });

  it('reports division by zero and overflow', () => {
    expect(failure('1 / 0')).toBe('Division by zero at character 3.');
    expect(failure('5 % (2 - 2)')).toMatch(/Division by zero \(remainder\) at character 3/);
    expect(failure('0 ^ -1')).toMatch(/Division by zero/);
    expect(failure('10 ^ 400')).toMatch(/^Overflow: the result of "\^" at character 4/);
    expect(failure('1e308 * 10')).toMatch(/^Overflow/);
    expect(failure('1e999')).toMatch(/too large/);
    expect(failure('exp(1000)')).toMatch(/^Overflow: the result of exp/);
  });

  it('reports results that are not real numbers', () => {
    expect(failure('sqrt(-1)')).toMatch(/sqrt\(…\) at character 1 is not a real number/);
    expect(failure('(-8) ^ (1/3)')).toMatch(/not a real number/);
    expect(failure('ln(0)')).toMatch(/ln/);
    expect(failure('log(8, 1)')).toMatch(/base of log/);
    expect(failure('round(1.5, 2.5)')).toMatch(/digits of round/);
  });

  it('names the position of syntax errors', () => {
    expect(failure('2 +')).toMatch(/ends where a number was expected \(character 4\)/);
    expect(failure('2 + * 3')).toMatch(/Expected a number before "\*" at character 5/);
    expect(failure('(2 + 3')).toMatch(/Missing "\)" for the "\(" at character 1/);
    expect(failure('2 + 3)')).toMatch(/Unmatched "\)" at character 6/);
    expect(failure('2 3')).toMatch(/Expected an operator before the number 3 at character 3/);
    expect(failure('2 $ 3')).toMatch(/Unexpected character "\$" at character 3/);
    expect(failure('1.2.3')).toMatch(/second decimal point/);
    expect(failure('sqrt 4')).toMatch(/needs parentheses/);
    expect(failure('sqrt(1, 2)')).toMatch(/takes 1 argument, not 2/);
    expect(failure('min()')).toMatch(/takes at least 1 argument/);
    expect(failure('foo(2)')).toMatch(/Unknown name "foo" at character 1/);
    expect(failure('2e')).toMatch(/Expected an operator before "e" at character 2/);
    expect(failure('')).toBe('The expression is empty.');
    expect(failure('   ')).toBe('The expression is empty.');
    expect(failure('()')).toMatch(/Expected a number, not "\)"/);
    expect(failure('1,2')).toMatch(/Expected an operator before ","/);
  });

  it('treats hostile names as unknown names', () => {
    for (const name of ['constructor', '__proto__', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'process', 'globalThis', 'eval', 'Function']) {
      expect(failure(name), name).toMatch(/^Unknown name/);
      expect(failure(`${name}(1)`), name).toMatch(/^Unknown name/);
    }
    expect(failure('constructor.constructor("return process")()')).toMatch(/^Unexpected character "\."|^Unknown name/);
    expect(failure('1; process.exit()')).toMatch(/Unexpected character ";"/);
    expect(failure('`1`')).toMatch(/Unexpected character/);
    expect(failure('1\u0000')).toMatch(/U\+0000/);
  });

  it('bounds length and nesting', () => {
    expect(failure('1+'.repeat(MAX_EXPRESSION_LENGTH) + '1')).toMatch(/the limit is 1000/);
    expect(value('1+'.repeat(499) + '1')).toBe(500);
    expect(failure('('.repeat(400) + '1' + ')'.repeat(400))).toMatch(/nested more than 64 levels/);
    expect(failure('-'.repeat(900) + '1')).toMatch(/nested more than 64 levels/);
    expect(failure('sqrt('.repeat(150) + '1' + ')'.repeat(150))).toMatch(/nested/);
    expect(value('('.repeat(30) + '1' + ')'.repeat(30))).toBe(1);
    expect(failure('9'.repeat(400))).toMatch(/too large/);
  });
});

describe('calculator tool', () => {
  const tool = createCalculatorTool();

  it('answers with the number', async () => {
    expect(await tool.execute({ expression: '(2 + 3) * 4' }, context)).toEqual({ content: '20' });
  });

  it('answers bad expressions with an error result', async () => {
    expect(await tool.execute({ expression: '1/0' }, context)).toEqual({ content: 'Division by zero at character 2.', isError: true });
  });

  it('checks its arguments', async () => {
    expect(await tool.execute({}, context)).toMatchObject({ isError: true, content: expect.stringMatching(/Missing the argument "expression"/) });
    expect(await tool.execute({ expression: 42 }, context)).toMatchObject({ isError: true, content: expect.stringMatching(/must be a string, not number 42/) });
    expect(await tool.execute({ expression: '1', extra: true }, context)).toMatchObject({ isError: true, content: expect.stringMatching(/Unknown argument "extra"/) });
    expect(await tool.execute(JSON.parse('{"__proto__": {"x": 1}, "expression": "1"}'), context)).toMatchObject({ isError: true, content: expect.stringMatching(/Unknown argument "__proto__"/) });
    expect(await tool.execute(null as unknown as Record<string, unknown>, context)).toMatchObject({ isError: true, content: 'The arguments must be a JSON object.' });
    expect(await tool.execute({ expression: '1'.repeat(1001) }, context)).toMatchObject({ isError: true, content: expect.stringMatching(/at most 1000 characters/) });
  });

  it('describes itself with a name models accept', () => {
    expect(tool.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(tool.parameters).toMatchObject({ type: 'object', required: ['expression'] });
  });
});
