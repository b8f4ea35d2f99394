import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Every YAML document of a file, parsed (a parse error fails the caller). */
export function yamlDocuments(file: string): Record<string, unknown>[] {
  // `merge`: YAML merge keys (`<<: *anchor`), as docker compose reads them.
  return parseAllDocuments(readFileSync(file, 'utf8'), { merge: true }).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as Record<string, unknown>;
  });
}

/** The YAML files of a directory of the repository, by path. */
export function yamlFilesIn(dir: string): string[] {
  const full = path.join(repoRoot, dir);
  return readdirSync(full)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => path.join(full, f));
}
