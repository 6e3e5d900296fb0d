// Writes every ```ts block of README.md to test/readme-examples/ so the type
// check of `npm test` compiles them: an example that stops compiling fails CI.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const dir = 'test/readme-examples';
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const readme = readFileSync('README.md', 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
blocks.forEach((code, i) => {
  // Each block is its own module; names may repeat across blocks.
  writeFileSync(`${dir}/example-${String(i + 1).padStart(2, '0')}.ts`, `// From README.md, block ${i + 1}. Generated: edit the README.\n${code}\nexport {};\n`);
});
console.log(`[readme] ${blocks.length} TypeScript example(s) extracted for the type check`);
