/** Collects bound values and hands out the driver's placeholder for each. */
export class SqlParams {
  readonly values: unknown[] = [];

  constructor(private readonly style: 'dollar' | 'question') {}

  add(value: unknown): string {
    this.values.push(value);
    return this.style === 'dollar' ? `$${this.values.length}` : '?';
  }
}
