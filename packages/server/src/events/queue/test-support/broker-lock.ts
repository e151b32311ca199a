/**
 * Test files that use the one real RabbitMQ take turns: the queue tests restart the broker and
 * block it with a memory alarm, which would pull it from under any other test running beside
 * them. A lock directory (atomic mkdir) held for a whole file; a lock left by a dead process
 * is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const lockDir = path.join(tmpdir(), 'sutazai-rabbitmq-tests.lock');

function holderAlive(): boolean {
  try {
    const pid = Number(readFileSync(path.join(lockDir, 'pid'), 'utf8'));
    if (!pid) return true; // being written right now
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits for the broker to be ours; call the returned function to give it back. */
export async function holdBrokerLock(timeoutMs = 600_000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      return () => rmSync(lockDir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!holderAlive()) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another test file held the RabbitMQ lock (${lockDir}) for ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
