import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The repository root. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** README.md and every docs/*.md, as paths relative to the root, picked up as they are added. */
export function markdownFiles(): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

/** One ```ts block of a markdown file. */
export interface TsBlock {
  /** The markdown file, relative to the root (`docs/outbox.md`). */
  file: string;
  /** 1-based position among the file's ```ts blocks, fragments included, so numbers stay put. */
  n: number;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  /**
   * Why the block is not compiled, when it is marked as a fragment: the info string `ts fragment`
   * or an HTML comment `<!-- not compiled: reason -->` on the line before the fence (blank lines allowed).
   */
  fragment?: string;
}

/** The lines of a markdown file outside fenced code blocks, with their 1-based numbers. */
export function proseLines(file: string): { line: number; text: string }[] {
  const lines = readFileSync(join(root, file), 'utf8').split(/\r?\n/);
  const prose: { line: number; text: string }[] = [];
  let fence: RegExp | undefined;
  lines.forEach((text, i) => {
    const open = /^\s*(`{3,}|~{3,})/.exec(text);
    if (fence) {
      if (fence.test(text)) fence = undefined;
    } else if (open) {
      fence = new RegExp(`^\\s*${open[1][0] === '`' ? '`' : '~'}{${open[1].length},}\\s*$`);
    } else {
      prose.push({ line: i + 1, text });
    }
  });
  return prose;
}

const notCompiled = /^\s*<!--\s*not compiled:\s*(.+?)\s*-->\s*$/;

/** Every ```ts / ```typescript block of a markdown file (fences may be indented, as in a list). */
export function tsBlocks(file: string): TsBlock[] {
  const lines = readFileSync(join(root, file), 'utf8').split(/\r?\n/);
  const blocks: TsBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang, rest] = open;
    const close = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test(lines[end])) end++;
    if (lang === 'ts' || lang === 'typescript') {
      const code = lines
        .slice(i + 1, end)
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()))
        .join('\n');
      let before = i - 1;
      while (before >= 0 && lines[before].trim() === '') before--;
      const comment = before >= 0 ? notCompiled.exec(lines[before]) : null;
      const fragment = /(^|\s)fragment(\s|$)/.test(rest) ? rest.trim() : comment?.[1];
      blocks.push({ file, n: blocks.length + 1, line: i + 1, code, ...(fragment ? { fragment } : {}) });
    }
    i = end;
  }
  return blocks;
}

/**
 * Compiles each block that is not a fragment as a module of its own against the library (the root
 * tsconfig.json, whose paths map `nestjs-cqrs-broker` and its subpaths to the sources), all in one
 * program. The blocks of one markdown file share a directory two levels below the root (as a test
 * file's): a block is `block-<n>.ts` there, or, when its first line is a file-name comment such as
 * `// user-joined-meeting.handler.ts`, that file, which the file's other blocks may import
 * (`./user-joined-meeting.handler.js`). Returns one line per error:
 * `docs/<file> block <n>: TS<code> <message> (line <l>)`, where the line is the markdown file's.
 */
export function compileBlocks(blocks: TsBlock[]): string[] {
  const configFile = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
  // The Nest 11 run (vitest.nest11.config.ts): @nestjs/* types from its node_modules, the workspace's for packages it lacks.
  const nestModules = process.env.CQRS_BROKER_NEST_MODULES;
  if (nestModules) options.paths = { ...options.paths, '@nestjs/*': [join(nestModules, '@nestjs/*'), join(root, 'node_modules/@nestjs/*')] };
  const compiled = new Map<string, TsBlock>();
  const directories = new Set<string>();
  const duplicates: string[] = [];
  for (const block of blocks.filter((b) => !b.fragment)) {
    const directory = join(root, 'test', `markdown-${block.file.replace(/[/.]/g, '-')}`);
    const named = /^\/\/ ([\w.-]+\.ts)\s*$/.exec(block.code.split('\n', 1)[0]);
    const name = join(directory, named?.[1] ?? `block-${block.n}.ts`);
    if (compiled.has(name)) duplicates.push(`${block.file} block ${block.n}: ${named?.[1]} is also block ${compiled.get(name)!.n}`);
    directories.add(directory);
    compiled.set(name, block);
  }
  const host = ts.createCompilerHost({ ...options, noEmit: true });
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const source = (name: string) => {
    const block = compiled.get(name);
    return block && `${block.code}\nexport {};\n`;
  };
  host.readFile = (name) => source(name) ?? readFile(name);
  host.fileExists = (name) => compiled.has(name) || fileExists(name);
  const directoryExists = host.directoryExists?.bind(host);
  host.directoryExists = (name) => directories.has(name) || (directoryExists?.(name) ?? true);
  const program = ts.createProgram([...compiled.keys()], { ...options, noEmit: true }, host);
  return [
    ...duplicates,
    ...ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && compiled.has(d.file.fileName))
      .map((d) => {
        const block = compiled.get(d.file!.fileName)!;
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
        return `${block.file} block ${block.n}: TS${d.code} ${message} (line ${block.line + 1 + line})`;
      }),
  ];
}
