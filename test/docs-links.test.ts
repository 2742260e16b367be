import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCUMENTS = [
  'README.md',
  'CONTRIBUTING.md',
  'examples/client/README.md',
  'examples/web/README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

function withoutCodeBlocks(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, heading = ''] of withoutCodeBlocks(markdown).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}_\- ]/gu, '')
      .replace(/ /g, '-');
    let anchor = slug;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${slug}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

/** Every relative link of a document whose file or heading does not exist. */
function brokenLinks(document: string): string[] {
  const markdown = readFileSync(join(ROOT, document), 'utf8');
  const broken: string[] = [];
  for (const [, target = ''] of withoutCodeBlocks(markdown).matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target)) continue;
    const [path = '', fragment] = target.split('#');
    const file = path ? join(ROOT, dirname(document), path) : join(ROOT, document);
    if (!existsSync(file)) broken.push(`${target}: no file ${relative(ROOT, file)}`);
    else if (fragment !== undefined && !anchorsOf(readFileSync(file, 'utf8')).has(fragment)) {
      broken.push(`${target}: no heading #${fragment} in ${relative(ROOT, file)}`);
    }
  }
  return broken;
}

describe('the documents', () => {
  it.each(DOCUMENTS)('%s links only to files and headings that exist', (document) => {
    expect(brokenLinks(document)).toEqual([]);
  });

  it('finds a heading GitHub would anchor and refuses one it would not', () => {
    const anchors = anchorsOf('# Top\n\n## Operating on users: `npm run users`\n\n```sh\n# not a heading\n```\n');
    expect([...anchors]).toEqual(['top', 'operating-on-users-npm-run-users']);
  });

  it('puts the README in the order an adopter reads it: install, API, settings, then deploying this repository', () => {
    const headings = [...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/^## (.+)$/gm)].map(([, h]) => h);
    const order = ['Two commands', 'Use it in your CDK app', 'API', 'Configuration', 'Deploy this repository'];
    expect(headings.filter((h) => order.includes(h ?? ''))).toEqual(order);
  });
});
