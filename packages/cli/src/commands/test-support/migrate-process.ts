/**
 * `sutazai migrate` as a user runs it: `dist/main.js` in a process of its own (build first with
 * `npx tsc -b packages/cli`), with an environment made for the test only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');
const main = path.join(repoRoot, 'packages/cli/dist/main.js');

export interface MigrateRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface MigrateProcess {
  child: ChildProcess;
  output(): { stdout: string; stderr: string };
  /** Resolves once stderr has a line containing `text`; rejects if the process ends first. */
  waitFor(text: string): Promise<void>;
  exited: Promise<MigrateRun>;
}

export function startMigrate(args: readonly string[], env: Record<string, string> = {}): MigrateProcess {
  const child = spawn(process.execPath, [main, 'migrate', ...args], {
    cwd: repoRoot,
    // Only what the test gives: a VECTOR_STORE or DATABASE_URL of the shell must not leak in.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (part: string) => (stdout += part));
  child.stderr!.setEncoding('utf8').on('data', (part: string) => {
    stderr += part;
    for (const waiter of waiters.filter((candidate) => stderr.includes(candidate.text))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  const exited = new Promise<MigrateRun>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return {
    child,
    output: () => ({ stdout, stderr }),
    exited,
    waitFor: (text) => new Promise<void>((resolve, reject) => {
      if (stderr.includes(text)) return resolve();
      waiters.push({ text, resolve });
      void exited.then((run) => reject(new Error(`migrate exited (${run.code ?? run.signal}) before printing "${text}": ${run.stderr}${run.stdout}`)));
    }),
  };
}

export function runMigrate(args: readonly string[], env: Record<string, string> = {}): Promise<MigrateRun> {
  return startMigrate(args, env).exited;
}
