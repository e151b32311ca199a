import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configTable, errorTable } from './docs.js';

const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');

describe('README tables', () => {
  it('shows the configuration table generated from the schema (run scripts/update-readme.mjs)', () => {
    expect(readme).toContain(`<!-- config:start -->\n${configTable()}\n<!-- config:end -->`);
  });

  it('shows the error table generated from the catalogue (run scripts/update-readme.mjs)', () => {
    expect(readme).toContain(`<!-- errors:start -->\n${errorTable()}\n<!-- errors:end -->`);
  });

  it('shows the two quick-start commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });
});
