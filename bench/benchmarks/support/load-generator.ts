// The e2e benchmark's HTTP client, in a process of its own: a client shares
// neither the event loop nor the heap of the app it measures. Protocol over the
// fork IPC channel: the parent sends `run` (url, rate, first sequence number,
// count); the child sends every command open loop, each on its own schedule,
// and answers `done` with each command's send time and response time. Times
// are epoch milliseconds (performance.timeOrigin + performance.now()), which
// processes on one machine share.
export interface LoadRun {
  readonly type: 'run';
  readonly url: string;
  readonly ratePerSecond: number;
  readonly firstSeq: number;
  readonly count: number;
}

export interface LoadDone {
  readonly type: 'done';
  /** Send time of command `firstSeq + i`, epoch ms. */
  readonly sentAt: number[];
  /** Send → HTTP 202 received of command `firstSeq + i`, ms. */
  readonly responseMs: number[];
  readonly errors: string[];
}

export const epochNow = (): number => performance.timeOrigin + performance.now();

async function run({ url, ratePerSecond, firstSeq, count }: LoadRun): Promise<LoadDone> {
  const intervalMs = 1000 / ratePerSecond;
  const sentAt: number[] = new Array(count);
  const responseMs: number[] = new Array(count);
  const errors: string[] = [];
  const requests: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = start + i * intervalMs - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    sentAt[i] = performance.timeOrigin + t0;
    requests.push(
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seq: firstSeq + i }) })
        .then(async (response) => {
          await response.arrayBuffer();
          responseMs[i] = performance.now() - t0;
          if (response.status !== 202) errors.push(`command ${firstSeq + i}: HTTP ${response.status}`);
        })
        .catch((error: unknown) => void errors.push(`command ${firstSeq + i}: ${(error as Error)?.message ?? error}`)),
    );
  }
  await Promise.all(requests);
  return { type: 'done', sentAt, responseMs, errors };
}

if (process.send) {
  process.on('message', (message: LoadRun | { type: 'exit' }) => {
    if (message.type === 'exit') process.disconnect();
    else void run(message).then((done) => process.send!(done));
  });
}
