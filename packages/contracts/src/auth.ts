import { Type, type Static } from '@sinclair/typebox';

const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' });
const Password = Type.String({ minLength: 8, maxLength: 256 });
export const Role = Type.Union([Type.Literal('admin'), Type.Literal('user')]);

export const RegisterRequest = Type.Object({ email: Email, password: Password, name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) }, { additionalProperties: false });
export type RegisterRequest = Static<typeof RegisterRequest>;

export const LoginRequest = Type.Object({ email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false });
export type LoginRequest = Static<typeof LoginRequest>;

export const User = Type.Object({
  id: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  role: Role,
  disabled: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
});
export type User = Static<typeof User>;

export const RegisterResponse = Type.Object({ user: User, pending: Type.Boolean({ description: 'True when an administrator must approve the account before it can sign in.' }) });

export const LoginResponse = Type.Object({
  token: Type.String({ description: 'Send as Authorization: Bearer <token>. The same response sets the session cookie for the web UI.' }),
  expires_at: Type.String({ format: 'date-time' }),
  user: User,
});

export const ApiKey = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'The visible start of the key, to recognise it.' }),
  created_at: Type.String({ format: 'date-time' }),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export const CreateApiKeyRequest = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });
export const CreateApiKeyResponse = Type.Object({ key: Type.String({ description: 'Shown once; only its hash is stored.' }), api_key: ApiKey });
export const ApiKeyList = Type.Object({ items: Type.Array(ApiKey) });

export const AdminCreateUserRequest = Type.Object({ email: Email, password: Password, name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), role: Type.Optional(Role) }, { additionalProperties: false });
export const AdminUpdateUserRequest = Type.Object({ role: Type.Optional(Role), disabled: Type.Optional(Type.Boolean()), password: Type.Optional(Password) }, { additionalProperties: false, minProperties: 1 });
export const UserList = Type.Object({ items: Type.Array(User) });

export const SignupPolicy = Type.Union([Type.Literal('open'), Type.Literal('approval'), Type.Literal('closed')]);
export const AdminSettings = Type.Object({ signup_policy: SignupPolicy }, { additionalProperties: false });

export const ChangePasswordRequest = Type.Object({ current_password: Type.String({ minLength: 1, maxLength: 256 }), new_password: Password }, { additionalProperties: false });
export type ChangePasswordRequest = Static<typeof ChangePasswordRequest>;

/** Every session of the account ends; a caller that used one gets a new one (token and cookie). */
export const ChangePasswordResponse = Type.Object({
  user: User,
  other_sessions_ended: Type.Integer({ minimum: 0, description: 'How many sessions other than the caller\'s were signed out.' }),
  token: Type.Union([Type.String(), Type.Null()], { description: 'The session that replaces the one this request used; null when it used an API key (API keys keep working).' }),
  expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

/** What the first screen needs before anyone signs in; no secrets. */
export const SetupState = Type.Object({
  auth_enabled: Type.Boolean({ description: 'False with AUTH=disabled: everyone is the local administrator and nobody signs in.' }),
  needs_admin: Type.Boolean({ description: 'No account exists yet: the first one to register becomes the administrator.' }),
  signup_policy: SignupPolicy,
});
export type SetupState = Static<typeof SetupState>;
