import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { markdownFiles, proseLines, root } from './markdown-examples.js';

// Relative links in README.md and docs/*.md point at files that exist (and, into a markdown file,
// at a heading or anchor it has); repository paths quoted in code spans (`apps/shared/src/broker.factory.ts`)
// exist too. Fenced code blocks are not looked at.

/** GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of proseLines(file)) {
    for (const m of text.matchAll(/<a\s[^>]*(?:id|name)="([^"]+)"/g)) anchors.add(m[1]);
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(text);
    if (!heading) continue;
    const slug = heading[1]
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}_\- ]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count ? `${slug}-${count}` : slug);
  }
  return anchors;
}

/** Top-level directories of the repository a path in a code span may start with. */
const topLevel = new Set(
  readdirSync(root).filter((name) => !name.startsWith('.') && !['node_modules', 'dist'].includes(name) && statSync(join(root, name)).isDirectory()),
);

function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  for (const { line, text } of proseLines(file)) {
    const where = `${file}:${line}`;
    const withoutCode = text.replace(/(`+)[^`]*?\1/g, '');
    const targets = [
      ...[...withoutCode.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+["'(][^)]*)?\)/g)].map((m) => m[1]),
      ...[...withoutCode.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/g)].map((m) => m[1]),
      ...[...withoutCode.matchAll(/\s(?:href|src)="([^"]+)"/g)].map((m) => m[1]),
    ];
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
      const [path, anchor] = decodeURI(target).split('#', 2);
      const resolved = path ? normalize(join(dirname(file), path)) : file;
      if (resolved.startsWith('..') || !existsSync(join(root, resolved))) {
        broken.push(`${where}: ${target}: ${resolved} does not exist`);
      } else if (anchor && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor)) {
        broken.push(`${where}: ${target}: ${resolved} has no heading or anchor #${anchor}`);
      }
    }
    for (const span of text.matchAll(/`([^`]+)`/g)) {
      for (const token of span[1].match(/[\w./-]+/g) ?? []) {
        const path = token.replace(/^\.\//, '').replace(/[/.]+$/, '');
        if (!path.includes('/') || !topLevel.has(path.split('/')[0])) continue;
        if (!existsSync(join(root, path))) broken.push(`${where}: \`${token}\`: ${relative(root, join(root, path))} does not exist`);
      }
    }
  }
  return broken;
}

describe('links in README.md and docs/*.md', () => {
  for (const file of markdownFiles()) {
    it(`${file}: relative links and quoted repository paths exist`, () => {
      expect(brokenLinks(file)).toEqual([]);
    });
  }
});
