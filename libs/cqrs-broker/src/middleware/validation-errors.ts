import type { ValidationError } from 'class-validator';

/** Flattens class-validator errors to messages such as "payload.userId must be a string". */
export function formatValidationErrors(errors: readonly ValidationError[], parentPath = ''): string[] {
  const messages: string[] = [];
  for (const error of errors) {
    const path = parentPath ? `${parentPath}.${error.property}` : error.property;
    for (const constraint of Object.values(error.constraints ?? {})) {
      // class-validator phrases constraints as "<property> must ...": show the full path instead.
      messages.push(constraint.startsWith(error.property) ? path + constraint.slice(error.property.length) : `${path}: ${constraint}`);
    }
    if (error.children?.length) messages.push(...formatValidationErrors(error.children, path));
  }
  return messages;
}
