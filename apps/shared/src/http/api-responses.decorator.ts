import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiPayloadTooLargeResponse, ApiUnsupportedMediaTypeResponse } from '@nestjs/swagger';
import { ErrorResponse } from './error.response.js';
import { BODY_LIMIT_BYTES } from './http-edge.js';

/** The 400 every route can answer (the input guard and validation run on every path parameter, query and body). */
export const ApiInvalidInputResponse = () =>
  ApiBadRequestResponse({
    type: ErrorResponse,
    description: 'Invalid input: a field error, an unknown or reserved key, a control character, nesting too deep; `message` lists each. Nothing is written.',
  });

/** The 413 and 415 of a route that reads a body. */
export const ApiBodyRefusedResponses = () =>
  applyDecorators(
    ApiPayloadTooLargeResponse({ type: ErrorResponse, description: `Body larger than ${BODY_LIMIT_BYTES} bytes, whatever its content type.` }),
    ApiUnsupportedMediaTypeResponse({ type: ErrorResponse, description: 'A body that is not JSON.' }),
  );
