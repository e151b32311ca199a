/**
 * Runs an engine's command (ffmpeg, espeak-ng, pocketsphinx) as a child process: input on
 * stdin, output collected up to a limit, a deadline and an abort signal that kill it. No
 * shell is involved; arguments are passed as they are.
 */
import { spawn } from 'node:child_process';

export type ProcessFailureKind = 'not-found' | 'timeout' | 'output-too-large' | 'aborted' | 'exit';

export class ProcessFailure extends Error {
  readonly kind: ProcessFailureKind;
  readonly command: string;
  /** The last lines the command wrote to stderr. */
  readonly stderr: string;
  readonly exitCode: number | null;
  constructor(kind: ProcessFailureKind, command: string, message: string, details: { stderr?: string; exitCode?: number | null; cause?: unknown } = {}) {
    super(message, { cause: details.cause });
    this.name = 'ProcessFailure';
    this.kind = kind;
    this.command = command;
    this.stderr = details.stderr ?? '';
    this.exitCode = details.exitCode ?? null;
  }
}

export interface RunOptions {
  input?: Uint8Array | string;
  timeoutMs: number;
  /** stdout beyond this fails the run (and kills the command). */
  maxOutputBytes: number;
  signal?: AbortSignal | undefined;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  stdout: Buffer;
  /** The last 8 KiB of stderr. */
  stderr: string;
}

const STDERR_KEPT = 8192;

export function runProcess(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise<RunResult>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new ProcessFailure('aborted', command, `${command} was not started: the request was cancelled.`));
      return;
    }
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: options.cwd, env: options.env ?? process.env });
    const chunks: Buffer[] = [];
    let outputBytes = 0;
    let stderr = '';
    let failure: ProcessFailure | undefined;
    const fail = (error: ProcessFailure) => {
      failure ??= error;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => fail(new ProcessFailure('timeout', command, `${command} took longer than ${options.timeoutMs} ms.`)), options.timeoutMs);
    const onAbort = () => fail(new ProcessFailure('aborted', command, `${command} was stopped: the request was cancelled.`));
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (chunk: Buffer) => {
      outputBytes += chunk.length;
      if (outputBytes > options.maxOutputBytes) {
        fail(new ProcessFailure('output-too-large', command, `${command} produced more than ${options.maxOutputBytes} bytes.`));
        return;
      }
      chunks.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (part: string) => {
      stderr = (stderr + part).slice(-STDERR_KEPT);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      fail(error.code === 'ENOENT'
        ? new ProcessFailure('not-found', command, `${command} is not installed (not found on PATH).`, { cause: error })
        : new ProcessFailure('exit', command, `${command} could not be started: ${error.message}`, { cause: error }));
    });
    // A command that exits before reading all its input closes the pipe: not our failure.
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (failure) reject(new ProcessFailure(failure.kind, command, failure.message, { stderr, exitCode: code, cause: failure.cause }));
      else if (code !== 0) reject(new ProcessFailure('exit', command, `${command} exited with code ${code}.`, { stderr, exitCode: code }));
      else resolve({ stdout: Buffer.concat(chunks), stderr });
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/** The last meaningful line a command wrote to stderr, for an error message. */
export function lastErrorLine(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
  return lines.at(-1) ?? '';
}
