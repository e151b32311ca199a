/** Collects one check's steps, problems and notes as it runs, and turns them into its report. */
import type { DoctorCheck, DoctorProblem, DoctorStep, ProblemCode, ServiceKind, StepName } from './doctor-report.js';

export interface CheckRecorder {
  readonly name: string;
  readonly setting: string;
  readonly kind: ServiceKind;
  step(step: StepName, ok: boolean, detail: string, latencyMs?: number | null): void;
  problem(code: ProblemCode, message: string, fix: string): void;
  note(text: string): void;
  hasProblems(): boolean;
  version: string | null;
  latencyMs: number | null;
  finish(status?: DoctorCheck['status']): DoctorCheck;
}

export function recordCheck(init: { name: string; setting: string; kind: ServiceKind; target: string }): CheckRecorder {
  const steps: DoctorStep[] = [];
  const problems: DoctorProblem[] = [];
  const notes: string[] = [];
  return {
    ...init,
    version: null,
    latencyMs: null,
    step(step, ok, detail, latencyMs = null) {
      steps.push({ step, ok, latency_ms: latencyMs, detail });
    },
    problem(code, message, fix) {
      if (!problems.some((p) => p.code === code && p.message === message)) problems.push({ code, message, fix });
    },
    note(text) {
      notes.push(text);
    },
    hasProblems: () => problems.length > 0,
    finish(status) {
      return {
        name: init.name,
        setting: init.setting,
        kind: init.kind,
        target: init.target,
        status: status ?? (problems.length > 0 ? 'problem' : 'ok'),
        version: this.version,
        latency_ms: this.latencyMs,
        steps,
        problems,
        notes,
      };
    },
  };
}
