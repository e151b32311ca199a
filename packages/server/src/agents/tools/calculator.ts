import { MAX_EXPRESSION_LENGTH, evaluateExpression, formatNumber } from './calculator-expression.js';
import { argumentProblem, errorResult, textResult, type ParametersSchema } from './tool-arguments.js';
import type { Tool } from './tool.js';

const parameters: ParametersSchema = {
  type: 'object',
  properties: {
    expression: {
      type: 'string', minLength: 1, maxLength: MAX_EXPRESSION_LENGTH,
      description: 'An arithmetic expression, e.g. "(2 + 3) * 4^2 / sqrt(16)". Operators + - * / % ^; functions sqrt, abs, round(x[, digits]), floor, ceil, min, max, log (base 10, or log(x, base)), ln, exp, sin, cos, tan (radians); constants pi, e.',
    },
  },
  required: ['expression'],
  additionalProperties: false,
};

/** Exact arithmetic for the model, which is bad at it. */
export function createCalculatorTool(): Tool {
  return {
    name: 'calculator',
    description: 'Evaluates an arithmetic expression and returns the number. Use it for any calculation instead of working it out yourself.',
    parameters: parameters as unknown as Record<string, unknown>,
    source: 'builtin',
    async execute(args) {
      const problem = argumentProblem(parameters, args);
      if (problem) return errorResult(problem);
      const result = evaluateExpression(args.expression as string);
      return result.ok ? textResult(formatNumber(result.value)) : errorResult(result.message);
    },
  };
}
