/** Progress on stderr: rewritten in place on a terminal, one line per step otherwise. */
export class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private lastLength = 0;

  update(text: string): void {
    if (this.tty) {
      process.stderr.write(`\r${text.padEnd(this.lastLength)}`);
      this.lastLength = text.length;
    } else {
      process.stderr.write(`${text}\n`);
    }
  }

  done(text: string): void {
    if (this.tty) process.stderr.write(`\r${text.padEnd(this.lastLength)}\n`);
    else process.stderr.write(`${text}\n`);
    this.lastLength = 0;
  }
}
