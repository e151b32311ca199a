import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface GgufFile {
  /** File name without the `.gguf` extension: the model name clients use. */
  name: string;
  path: string;
  sizeBytes: number;
}

export type ModelDirectoryListing = { exists: false } | { exists: true; files: GgufFile[] };

const ggufExtension = /\.gguf$/i;
/** Parts 2..n of a split model: llama.cpp loads them through part 1, so they are not models. */
const laterSplitPart = /-(\d{5})-of-\d{5}$/;

/**
 * Lists the GGUF files directly inside `directory` (not recursive: one flat folder is what
 * users drop models into, and a recursive walk could wander into huge unrelated trees).
 * Symlinks are followed so tests and users can link models instead of copying them.
 * A missing directory is reported, not thrown; any other read error is thrown.
 */
export async function readModelDirectory(directory: string): Promise<ModelDirectoryListing> {
  let entries: string[];
  try {
    entries = await readdir(directory);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { exists: false };
    throw error;
  }
  const files: GgufFile[] = [];
  for (const entry of entries.sort()) {
    if (!ggufExtension.test(entry)) continue;
    const name = entry.replace(ggufExtension, '');
    const splitPart = laterSplitPart.exec(name);
    if (splitPart && splitPart[1] !== '00001') continue;
    const path = join(directory, entry);
    try {
      const info = await stat(path);
      if (info.isFile()) files.push({ name, path, sizeBytes: info.size });
    } catch {
      // A dangling symlink or a file removed meanwhile is simply not a model.
    }
  }
  return { exists: true, files };
}

export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}
