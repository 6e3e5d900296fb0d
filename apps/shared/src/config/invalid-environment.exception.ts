/** Startup stops here when environment variables are wrong; the message lists every problem at once. */
export class InvalidEnvironmentException extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid environment (see "Configuration" in README.md); fix these variables and start again:\n` +
        problems.map((problem) => `  - ${problem}`).join('\n'),
    );
    this.name = 'InvalidEnvironmentException';
  }
}
