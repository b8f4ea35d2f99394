import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { REPO } from './support/processes.js';

/**
 * The quickstarts shown in the READMEs are the files the live suite runs: each README block named
 * after a file must be that file, byte for byte, so what readers copy is what was tested.
 */
const QUICKSTARTS = [
  { file: 'sdks/curl/quickstart.sh', fence: 'sh', readmes: ['README.md'] },
  { file: 'packages/sdk/examples/quickstart.mjs', fence: 'js', readmes: ['README.md'] },
  {
    file: 'sdks/python/examples/quickstart.py',
    fence: 'python',
    readmes: ['README.md', 'sdks/python/README.md'],
  },
  { file: 'sdks/go/examples/quickstart/main.go', fence: 'go', readmes: ['README.md', 'sdks/go/README.md'] },
];

/** Every fenced block of the given language in a Markdown text. */
function blocks(markdown: string, fence: string): string[] {
  const pattern = new RegExp(`^\`\`\`${fence}\\n([\\s\\S]*?)^\`\`\`$`, 'gm');
  return [...markdown.matchAll(pattern)].map((m) => m[1]!);
}

describe('README quickstarts', () => {
  for (const { file, fence, readmes } of QUICKSTARTS) {
    for (const readme of readmes) {
      it(`${readme} shows ${file} verbatim`, () => {
        const text = readFileSync(path.join(REPO, readme), 'utf8');
        const source = readFileSync(path.join(REPO, file), 'utf8');
        if (readme === 'README.md') expect(text).toContain(`\`${file}\``);
        expect(blocks(text, fence)).toContainEqual(source);
      });
    }
  }
});
