import { ConfigError, loadConfig, runDoctor, type DoctorCheck, type DoctorReport } from '@sutazai/server';

export interface DoctorCommandOptions {
  json: boolean;
  /** `--url` or SUTAZAI_URL: the API the web UI and the CLI talk to. */
  url: string | undefined;
  token: string | undefined;
  slowMs: number | undefined;
  timeoutMs: number | undefined;
}

/** Exit status: 0 nothing wrong, 1 a problem found, 2 the configuration itself is invalid. */
export async function doctorCommand(options: DoctorCommandOptions): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (options.json) console.log(JSON.stringify({ ok: false, configuration_problems: error.problems }, null, 2));
    else console.error(`The configuration is invalid, so nothing was checked:\n${error.problems.map((p) => `  - ${p}`).join('\n')}`);
    return 2;
  }
  const report = await runDoctor({ config, apiUrl: options.url, apiToken: options.token, slowMs: options.slowMs, timeoutMs: options.timeoutMs });
  if (options.json) console.log(JSON.stringify(report, null, 2));
  else console.log(formatReport(report, options.url === undefined));
  return report.ok ? 0 : 1;
}

const MARKS: Record<DoctorCheck['status'], string> = { ok: 'ok  ', problem: 'FAIL', skipped: 'skip' };

export function formatReport(report: DoctorReport, apiUnchecked: boolean): string {
  const where = report.environment.in_container ? `inside a container (${report.environment.evidence.join('; ')})` : 'on this machine (not in a container)';
  const lines = [`SutazAI doctor: ${report.checks.length} checks, run ${where}.`, ''];
  const width = Math.max(...report.checks.map((check) => check.name.length));
  for (const check of report.checks) {
    const summary = check.status === 'ok' ? [check.version, check.latency_ms !== null ? `${Math.round(check.latency_ms)} ms` : null].filter(Boolean).join(', ') : '';
    lines.push(`${MARKS[check.status]}  ${check.name.padEnd(width)}  ${check.setting}=${check.target}${summary ? `  (${summary})` : ''}`);
    if (check.status === 'problem') {
      for (const step of check.steps) lines.push(`        ${step.ok ? '✓' : '✗'} ${step.step}: ${step.detail}${step.latency_ms !== null ? ` [${Math.round(step.latency_ms)} ms]` : ''}`);
      for (const problem of check.problems) {
        lines.push(`        ${problem.code}: ${problem.message}`);
        lines.push(`        Fix: ${problem.fix}`);
      }
    }
    for (const note of check.notes) lines.push(`        note: ${note}`);
  }
  if (apiUnchecked) lines.push('', 'The UI-to-API link was not checked: pass --url <the address you open SutazAI at> or set SUTAZAI_URL.');
  lines.push('', report.ok ? 'No problems found.' : `${report.problem_count} ${report.problem_count === 1 ? 'problem' : 'problems'} found.`);
  return lines.join('\n');
}
