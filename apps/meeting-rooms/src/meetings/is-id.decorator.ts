import { applyDecorators } from '@nestjs/common';
import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';

/** The longest id (meeting, room or user) accepted. */
export const ID_MAX_LENGTH = 100;

/** A meeting, room or user id: a string of 1 to 100 characters, not only whitespace. */
export const IsId = (): PropertyDecorator =>
  applyDecorators(IsString(), IsNotEmpty(), MaxLength(ID_MAX_LENGTH), Matches(/\S/, { message: '$property must not be blank' }));
