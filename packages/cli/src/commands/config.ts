import { ConfigError, configTable, describeConfig, errorTable, loadConfig } from '@sutazai/server';

export function configCheckCommand(options: { json: boolean }): number {
  try {
    const config = loadConfig();
    const rows = describeConfig(config);
    if (options.json) {
      console.log(JSON.stringify({ valid: true, settings: rows }, null, 2));
      return 0;
    }
    console.log(`Configuration is valid${config.configFile ? ` (file: ${config.configFile})` : ''}.\n`);
    const width = Math.max(...rows.map((r) => r.key.length));
    for (const row of rows) console.log(`  ${row.key.padEnd(width)}  ${row.value}  (${row.source})`);
    console.log(`\n  storage: ${config.database.kind}${config.database.kind === 'sqlite' ? ` ${config.database.file}` : ''}`);
    console.log(`  models dir: ${config.modelsDir ?? '(none: MODELS_DIR unset and ./models missing)'}`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (options.json) console.log(JSON.stringify({ valid: false, problems: error.problems }, null, 2));
    else console.error(`Configuration is invalid:\n${error.problems.map((p) => `  - ${p}`).join('\n')}`);
    return 2;
  }
}

/** Prints the README's tables, generated from the configuration schema and the error catalogue. */
export function configDocsCommand(): number {
  console.log(`${configTable()}\n\n${errorTable()}`);
  return 0;
}
