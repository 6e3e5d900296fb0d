import type { ArgumentMetadata } from '@nestjs/common';
import { IsString } from 'class-validator';
import { findUnsafeInput, InputGuardPipe, Request, RequestValidationException, ValidationMiddleware } from 'nestjs-cqrs-broker';

class JoinBody {
  @IsString() userId!: string;
  describe(): string {
    return this.userId;
  }
}

class Join extends Request {
  @IsString() userId!: string;
}

const body = (metatype?: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'body', metatype });
const nested = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};

describe('findUnsafeInput', () => {
  it('accepts ordinary input, tabs and line breaks included', () => {
    expect(findUnsafeInput({ userId: 'ada', note: 'line 1\nline 2\ttab\r', tags: ['x', { y: 'z' }], emoji: '😀' })).toEqual([]);
  });

  it('names every control character, lone surrogate and reserved key with its path', () => {
    const input = JSON.parse('{"a":"x\\u0000","b":["ok","\\u007f"],"c":{"constructor":1},"__proto__":2,"d":"\\ud800","e\\u0001":1}');
    expect(findUnsafeInput(input).sort()).toEqual(
      [
        'a must not contain control characters',
        'b[1] must not contain control characters',
        'property c.constructor should not exist',
        'property __proto__ should not exist',
        'd must be well-formed Unicode (no lone surrogates)',
        'value must not have keys with control characters',
      ].sort(),
    );
  });

  it('stops at the depth limit without recursing, however deep the input', () => {
    expect(findUnsafeInput(nested(32))).toEqual([]);
    expect(findUnsafeInput(nested(33))).toEqual([`${Array(32).fill('a').join('.')} is nested deeper than 32 levels`]);
    expect(findUnsafeInput(nested(200_000), { maxDepth: 5 })).toHaveLength(1);
  });

  it("refuses a top-level key naming a method of the target class, which class-transformer would skip", () => {
    expect(findUnsafeInput({ userId: 'ada', describe: 'x' }, {}, JoinBody)).toEqual(['property describe should not exist']);
    expect(findUnsafeInput({ userId: 'ada', describe: 'x' })).toEqual([]);
  });
});

describe('InputGuardPipe', () => {
  const pipe = new InputGuardPipe();

  it('throws RequestValidationException (400) naming the parameter, and passes good input unchanged', () => {
    const value = { userId: 'ada' };
    expect(pipe.transform(value, body(JoinBody))).toBe(value);
    const error = (() => {
      try {
        pipe.transform('a\u0000', { type: 'param', data: 'meetingId', metatype: String });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(RequestValidationException);
    expect((error as RequestValidationException).getStatus()).toBe(400);
    expect((error as RequestValidationException).messages).toEqual(['meetingId must not contain control characters']);
  });

  it('leaves custom decorators and microservice payloads alone', () => {
    expect(pipe.transform('a\u0000', { type: 'custom' })).toBe('a\u0000');
    expect(pipe.transform({ h: 'a\u0000' }, { type: 3 as never })).toEqual({ h: 'a\u0000' });
  });
});

describe('ValidationMiddleware and the input guard', () => {
  it('refuses a request built in code with a NUL in a field, with the field errors alongside', async () => {
    const join = Object.assign(new Join(), { userId: 'a\u0000b' });
    const handler = vi.fn();
    const rejection = new ValidationMiddleware().handle(join, handler, { kind: 'request', messageType: Join, handlerType: class {} });
    await expect(rejection).rejects.toBeInstanceOf(RequestValidationException);
    await expect(rejection).rejects.toMatchObject({ messages: ['userId must not contain control characters'] });
    expect(handler).not.toHaveBeenCalled();
  });
});
