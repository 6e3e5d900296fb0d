import { parseArgs } from 'node:util';

export interface CliOptions {
  readonly only?: string;
  readonly quick: boolean;
  readonly help: boolean;
}

export const USAGE = `Usage: npm run bench [-- [--only <name>] [--quick]]

  --only <name>  run one benchmark (or several: a,b)
  --quick        scale sizes down (smoke run; figures not for quoting)
  --help         show this text and the benchmark names`;

/** A mistake on the command line: reported with the usage text, without a stack. */
export class UsageError extends Error {}

export function parseCli(argv: readonly string[]): CliOptions {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        only: { type: 'string' },
        quick: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
    return { only: values.only, quick: values.quick ?? false, help: values.help ?? false };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
