import { compileBlocks, markdownFiles, tsBlocks } from './markdown-examples.js';

// Every ```ts block of README.md and of each docs/*.md compiles against the library, each as a
// module of its own. A block that is deliberately a fragment says so (```ts fragment, or
// <!-- not compiled: reason --> right before it); see markdown-examples.ts.
const files = markdownFiles();
const blocks = files.flatMap(tsBlocks);

describe('TypeScript examples in README.md and docs/*.md', () => {
  it('README has TypeScript examples', () => {
    expect(blocks.filter((b) => b.file === 'README.md' && !b.fragment).length).toBeGreaterThanOrEqual(7);
  });

  // One program for all blocks; the type check of the library takes its time on a loaded machine.
  it('every TypeScript example compiles against the library', { timeout: 300_000 }, () => {
    expect(compileBlocks(blocks)).toEqual([]);
  });
});
