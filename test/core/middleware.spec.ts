import type { MockInstance } from 'vitest';
import { BadRequestException, Injectable, InternalServerErrorException, Logger, Module, NotFoundException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsInt, IsString, Min, ValidateNested } from 'class-validator';
import {
  CqrsBrokerModule,
  DomainEvent,
  HandlesRequest,
  LoggingMiddleware,
  Request,
  RequestHandler,
  RequestMediator,
  RequestValidationException,
  ValidationMiddleware,
  type Middleware,
  type MiddlewareContext,
  type NextFunction,
} from 'nestjs-cqrs-broker';

class Address {
  @IsString() city!: string;
  @IsString() street!: string;
}

class Attendee {
  @IsString() name!: string;
}

class BookMeeting extends Request<string> {
  @IsString() title!: string;
  @IsInt() @Min(1) seats!: number;
  @ValidateNested() @Type(() => Address) address!: Address;
  @ValidateNested({ each: true }) @ArrayMinSize(1) @Type(() => Attendee) attendees!: Attendee[];
}

class BookMeetingHandler {}
class UserJoined extends DomainEvent {}
class UserJoinedHandler {}

const requestContext: MiddlewareContext = { kind: 'request', messageType: BookMeeting, handlerType: BookMeetingHandler };
const eventContext: MiddlewareContext = { kind: 'event', messageType: UserJoined, handlerType: UserJoinedHandler };

const address = (city: unknown, street: unknown) => Object.assign(new Address(), { city, street });
const attendee = (name: unknown) => Object.assign(new Attendee(), { name });
const bookMeeting = (fields: Partial<Record<keyof BookMeeting, unknown>>) =>
  Object.assign(new BookMeeting(), { title: 'standup', seats: 3, address: address('Oslo', 'Main St'), attendees: [attendee('ada')], ...fields });

describe('LoggingMiddleware', () => {
  const middleware = new LoggingMiddleware();
  let debug: MockInstance<Logger['debug']>;
  let warn: MockInstance<Logger['warn']>;
  let error: MockInstance<Logger['error']>;

  beforeEach(() => {
    debug = vi.spyOn(Logger.prototype, 'debug').mockImplementation(() => {});
    warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    error = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => {});
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('logs a handled request at debug level with its type, handler and duration, and returns the result', async () => {
    await expect(middleware.handle(bookMeeting({}), async () => 'booked', requestContext)).resolves.toBe('booked');
    expect(debug).toHaveBeenCalledTimes(1);
    expect(String(debug.mock.calls[0][0])).toMatch(/^request BookMeeting → BookMeetingHandler done in \d+\.\d ms$/);
    expect(warn).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
  });

  it('logs a failure at error level, with the event id for events, and rethrows the same error', async () => {
    const failure = new Error('smtp down');
    const event = new UserJoined();
    await expect(middleware.handle(event, async () => Promise.reject(failure), eventContext)).rejects.toBe(failure);
    expect(error).toHaveBeenCalledTimes(1);
    expect(String(error.mock.calls[0][0])).toMatch(
      new RegExp(`^event UserJoined → UserJoinedHandler failed after \\d+\\.\\d ms \\(event ${event.eventId}\\): smtp down$`),
    );
    expect(debug).not.toHaveBeenCalled();
  });

  it('logs an HttpException below 500 as a warning (the caller\'s fault) and rethrows it', async () => {
    const notFound = new NotFoundException('meeting m1 not found');
    const badRequest = new BadRequestException('bad');
    await expect(middleware.handle(bookMeeting({}), async () => Promise.reject(notFound), requestContext)).rejects.toBe(notFound);
    await expect(middleware.handle(bookMeeting({}), async () => Promise.reject(badRequest), requestContext)).rejects.toBe(badRequest);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(String(warn.mock.calls[0][0])).toMatch(/request BookMeeting → BookMeetingHandler failed .*: meeting m1 not found$/);
    expect(error).not.toHaveBeenCalled();
  });

  it('logs an HttpException of 500 or more at error level', async () => {
    const serverError = new InternalServerErrorException('db down');
    await expect(middleware.handle(bookMeeting({}), async () => Promise.reject(serverError), requestContext)).rejects.toBe(serverError);
    expect(error).toHaveBeenCalledTimes(1);
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('ValidationMiddleware', () => {
  const middleware = new ValidationMiddleware();

  it('passes a valid request to the next handler unchanged', async () => {
    const request = bookMeeting({});
    const next = vi.fn(async (message: object) => message);
    await expect(middleware.handle(request, next, requestContext)).resolves.toBe(request);
    expect(next).toHaveBeenCalledWith(request);
  });

  it('rejects an invalid request without calling next, listing every field error with dotted paths for nested ones', async () => {
    const request = bookMeeting({ title: 7, seats: 0, address: address('Oslo', 42), attendees: [attendee('ada'), attendee(null)] });
    const next = vi.fn(async () => 'should not run');
    const error = await middleware.handle(request, next, requestContext).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestValidationException);
    expect((error as RequestValidationException).requestName).toBe('BookMeeting');
    expect((error as RequestValidationException).messages).toEqual([
      'title must be a string',
      'seats must not be less than 1',
      'address.street must be a string',
      'attendees.1.name must be a string',
    ]);
    expect((error as RequestValidationException).getStatus()).toBe(400);
    expect(((error as RequestValidationException).getResponse() as { message: string[] }).message).toHaveLength(4);
    expect(next).not.toHaveBeenCalled();
  });

  it('lets events through without validating them', async () => {
    const invalidAsRequest = bookMeeting({ title: 7 });
    const next = vi.fn(async () => 'handled');
    await expect(middleware.handle(invalidAsRequest, next, eventContext)).resolves.toBe('handled');
    expect(next).toHaveBeenCalledOnce();
  });
});

describe('Middleware', () => {
  class Add extends Request<number> {
    constructor(
      readonly a: number,
      readonly b: number,
    ) {
      super();
    }
  }

  @HandlesRequest(Add)
  @Injectable()
  class AddHandler implements RequestHandler<Add> {
    handle(request: Add): number {
      return request.a + request.b;
    }
  }

  it('can replace the message it passes to next, and the handler receives the replacement', async () => {
    const doubling: Middleware = {
      async handle(message: object, next: NextFunction): Promise<unknown> {
        const add = message as Add;
        return next(new Add(add.a * 2, add.b * 2));
      },
    };
    @Module({ imports: [CqrsBrokerModule.forRoot({ middlewares: [doubling] })], providers: [AddHandler] })
    class AppModule {}
    const app = await Test.createTestingModule({ imports: [AppModule] }).compile();
    await app.init();
    await expect(app.get(RequestMediator).send(new Add(1, 2))).resolves.toBe(6);
  });

  it('can replace the result the caller receives', async () => {
    const plusOne: Middleware = {
      async handle(message: object, next: NextFunction): Promise<unknown> {
        return ((await next(message)) as number) + 1;
      },
    };
    @Module({ imports: [CqrsBrokerModule.forRoot({ middlewares: [plusOne] })], providers: [AddHandler] })
    class AppModule {}
    const app = await Test.createTestingModule({ imports: [AppModule] }).compile();
    await app.init();
    await expect(app.get(RequestMediator).send(new Add(1, 2))).resolves.toBe(4);
  });
});
