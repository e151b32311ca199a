// Regenerates the README's configuration and error tables from their schemas.
// Run after `npm run build`: node scripts/update-readme.mjs (the test suite checks they agree).
import { readFileSync, writeFileSync } from 'node:fs';
import { configTable, errorTable } from '../packages/server/dist/config/docs.js';

const file = new URL('../README.md', import.meta.url);
let text = readFileSync(file, 'utf8');
const put = (name, table) => {
  const pattern = new RegExp(`(<!-- ${name}:start -->)[\\s\\S]*?(<!-- ${name}:end -->)`);
  text = text.replace(pattern, `$1\n${table}\n$2`);
};
put('config', configTable());
put('errors', errorTable());
writeFileSync(file, text);
