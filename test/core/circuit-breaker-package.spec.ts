import { Injectable, Logger, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigurationException, CqrsBrokerModule, Request, RequestMap, RequestMediator, type RequestHandler } from 'nestjs-cqrs-broker';

// This file's module graph has no cockatiel: as in an app that did not install the optional peer.
vi.mock('cockatiel', () => {
  throw new Error("Cannot find package 'cockatiel'");
});

class Ask extends Request<string> {}

@Injectable()
class Answer implements RequestHandler<Ask> {
  handle(): string {
    throw new Error('down');
  }
}

@Injectable()
class Fallback implements RequestHandler<Ask> {
  handle(): string {
    return 'fallback';
  }
}

async function boot(requests: RequestMap) {
  @Module({ imports: [CqrsBrokerModule.forRoot({ requests })], providers: [Answer, Fallback] })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  await moduleRef.init();
  return moduleRef;
}

describe('cockatiel, the optional peer package of circuit breakers', () => {
  beforeEach(() => {
    vi.spyOn(Logger.prototype, 'log').mockImplementation(() => {});
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('is not needed for a fallback without a breaker', async () => {
    const app = await boot(new RequestMap().bind(Ask, Answer, { fallback: { handler: Fallback } }));
    await expect(app.get(RequestMediator).send(new Ask())).resolves.toBe('fallback');
  });

  it('missing while a breaker is declared: startup fails with one line naming the package and the declaration', async () => {
    const startup = boot(new RequestMap().bind(Ask, Answer, { fallback: { handler: Fallback, breaker: true } }));
    await expect(startup).rejects.toBeInstanceOf(ConfigurationException);
    const error = (await startup.then(
      () => undefined,
      (e: unknown) => e as Error,
    ))!;
    expect(error.message).toBe('The circuit breaker of RequestMap binding of Answer needs the package cockatiel: npm install cockatiel');
    expect(error.cause).toBeInstanceOf(Error); // the import's own failure, kept
  });
});
