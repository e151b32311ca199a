/** The embedded database: the file (or the folder it will be created in) must be writable, and be SQLite. */
import { constants, accessSync, existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import path from 'node:path';
import { recordCheck } from '../check-recorder.js';
import type { DoctorCheck } from '../doctor-report.js';

export function checkSqlite(file: string, setting: string): DoctorCheck {
  const check = recordCheck({ name: 'database', setting, kind: 'sqlite', target: file });
  if (file === ':memory:') {
    check.step('file', true, 'in memory: nothing is kept after the process ends');
    check.note('DATABASE_URL=sqlite::memory: keeps nothing across restarts.');
    return check.finish();
  }
  const folder = path.dirname(file);
  if (existsSync(file)) {
    if (!writable(file) || !writable(folder)) {
      check.step('file', false, `${file} exists but ${writable(file) ? `its folder ${folder}` : 'it'} is not writable by this user`);
      check.problem('NOT_WRITABLE', `SQLite needs to write ${file} and create its -wal and -shm files beside it in ${folder}.`, `Give this user write access (chown or chmod ${folder} and ${file}), or set DATA_DIR to a writable folder; in a container mount a volume owned by the image's user (uid 1000) at DATA_DIR.`);
      return check.finish();
    }
    const header = readHeader(file);
    if (header !== undefined && header.length > 0 && !header.startsWith('SQLite format 3')) {
      check.step('file', false, `${file} is not an SQLite database`);
      check.problem('WRONG_SERVER_KIND', `${file} exists but is not an SQLite database (it begins ${JSON.stringify(header.slice(0, 16))}).`, `Point ${setting} at a new or an SQLite file.`);
      return check.finish();
    }
    check.step('file', true, `${file}: SQLite, ${statSync(file).size} bytes, writable`);
    check.version = 'SQLite 3';
    return check.finish();
  }
  const existing = nearestExisting(folder);
  if (!statSync(existing).isDirectory()) {
    check.step('file', false, `${file} cannot be created: ${existing} is a file, not a folder`);
    check.problem('NOT_WRITABLE', `The database file ${file} cannot be created: ${existing} is a file, so no folder can be made under it.`, `Set DATA_DIR (or the sqlite: path in DATABASE_URL) to a folder, e.g. DATA_DIR=./data.`);
    return check.finish();
  }
  if (!writable(existing)) {
    check.step('file', false, `${file} does not exist and ${existing} is not writable, so it cannot be created`);
    check.problem('NOT_WRITABLE', `The database file ${file} cannot be created: ${existing} is not writable by this user.`, `Create ${folder} writable by this user, or set DATA_DIR to a writable folder; in a container mount a volume owned by the image's user (uid 1000) there.`);
    return check.finish();
  }
  check.step('file', true, `${file} will be created (${existing} is writable)`);
  return check.finish();
}

function writable(target: string): boolean {
  try {
    accessSync(target, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function nearestExisting(folder: string): string {
  let current = folder;
  while (!existsSync(current) && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}

function readHeader(file: string): string | undefined {
  try {
    const descriptor = openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(16);
      const read = readSync(descriptor, buffer, 0, 16, 0);
      return buffer.subarray(0, read).toString('latin1');
    } finally {
      closeSync(descriptor);
    }
  } catch {
    return undefined;
  }
}
