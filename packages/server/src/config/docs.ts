import { configKeys, settingMeta } from './schema.js';
import { errorCatalogue } from '../errors/catalogue.js';

/** The README's configuration table, generated from the schema so the two cannot drift. */
export function configTable(): string {
  const lines = ['| Variable | Default | Description |', '| --- | --- | --- |'];
  for (const key of configKeys) {
    const meta = settingMeta(key);
    const value = meta.default === undefined ? '(unset)' : `\`${String(meta.default)}\``;
    lines.push(`| \`${key}\` | ${value} | ${meta.description.replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n');
}

/** The README's error table, generated from the catalogue. */
export function errorTable(): string {
  const lines = ['| Code | HTTP | Meaning | What to do |', '| --- | --- | --- | --- |'];
  for (const [code, spec] of Object.entries(errorCatalogue)) lines.push(`| \`${code}\` | ${spec.status} | ${spec.message} | ${spec.hint.replace(/\|/g, '\\|')} |`);
  return lines.join('\n');
}
