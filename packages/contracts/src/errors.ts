import { Type, type Static } from '@sinclair/typebox';

/** Every error response of the API, whatever the route. OpenAI clients read `message`/`type`. */
export const ErrorResponse = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'Stable machine-readable code from the error catalogue.' }),
    message: Type.String(),
    hint: Type.Optional(Type.String({ description: 'What the user can do about it.' })),
    type: Type.String({ description: 'OpenAI-style error class: invalid_request_error, not_found_error, server_error...' }),
    retryable: Type.Boolean(),
    request_id: Type.String(),
  }),
}, { $id: 'ErrorResponse' });
export type ErrorResponse = Static<typeof ErrorResponse>;
