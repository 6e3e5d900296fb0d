import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ID_MAX_LENGTH, IsId } from '../meetings/is-id.decorator.js';
import { BOOKING_STEPS, type BookingStep } from './book-meeting.saga.js';

export class BookMeetingBody {
  @ApiProperty({ example: 'room-7', minLength: 1, maxLength: ID_MAX_LENGTH })
  @IsId()
  roomId: string;

  @ApiProperty({ example: ['ada', 'linus'], type: [String], minItems: 1, maxItems: 50 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(ID_MAX_LENGTH, { each: true })
  @Matches(/\S/, { each: true, message: 'each value in $property must not be blank' })
  participants: string[];

  @ApiPropertyOptional({ enum: BOOKING_STEPS, description: 'Sample only: this step fails, to show compensation.' })
  @IsOptional()
  @IsIn(BOOKING_STEPS)
  failAt?: BookingStep;
}

export class BookingAcceptedResponse {
  @ApiProperty({ description: 'The saga id: GET /bookings/{id} follows it.' })
  id: string;
}

export class BookingStepView {
  @ApiProperty({ example: 'reserve-room' })
  name: string;

  @ApiProperty({ example: 'completed', enum: ['pending', 'running', 'completed', 'failed', 'compensating', 'compensated', 'compensation_failed'] })
  status: string;

  @ApiProperty({ example: 1 })
  attempts: number;
}

export class BookingResponse {
  @ApiProperty()
  id: string;

  @ApiProperty({ enum: ['running', 'completed', 'compensating', 'compensated', 'failed'] })
  state: string;

  @ApiProperty({ type: [BookingStepView] })
  steps: BookingStepView[];
}
