import { GatewayError } from '../errors/gateway-error.js';

/** Usernames: a letter or digit, then letters, digits and . _ @ - (so an email address fits). */
const USERNAME = /^[a-z0-9][a-z0-9._@-]{2,63}$/;
/** Longer passwords are refused: scrypt's input is bounded, and no human types more. */
export const MAX_PASSWORD_LENGTH = 1024;
const ROLE = /^[A-Za-z0-9._:-]{1,64}$/;

/** The body as a JSON object; an absent body counts as an empty one. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new GatewayError('BAD_REQUEST', 'the body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

export function optionalString(
  body: Record<string, unknown>,
  field: string,
  maxLength = 256,
): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw new GatewayError('BAD_REQUEST', `${field}: a string of 1 to ${maxLength} characters`);
  }
  return value;
}

export function requiredString(
  body: Record<string, unknown>,
  field: string,
  maxLength = 256,
): string {
  const value = optionalString(body, field, maxLength);
  if (value === undefined) throw new GatewayError('BAD_REQUEST', `${field} is required`);
  return value;
}

/** A username as stores key it (lower case), or a 400 saying what one looks like. */
export function username(value: string, field = 'username'): string {
  const name = value.toLowerCase();
  if (!USERNAME.test(name)) {
    throw new GatewayError(
      'BAD_REQUEST',
      `${field}: 3 to 64 characters, letters, digits and . _ @ -, starting with a letter or digit`,
    );
  }
  return name;
}

export function role(value: string | undefined, fallback: string): string {
  const r = value ?? fallback;
  if (!ROLE.test(r)) throw new GatewayError('BAD_REQUEST', 'role: 1 to 64 of A-Z a-z 0-9 . _ : -');
  return r;
}

/** A new password, checked against the length policy. The message never quotes it. */
export function newPassword(body: Record<string, unknown>, minLength: number): string {
  const value = body.password;
  if (typeof value !== 'string') throw new GatewayError('BAD_REQUEST', 'password is required');
  if (value.length < minLength || value.length > MAX_PASSWORD_LENGTH) {
    throw new GatewayError(
      'BAD_REQUEST',
      `password: ${minLength} to ${MAX_PASSWORD_LENGTH} characters`,
    );
  }
  return value;
}

/** A session's `data`: a JSON object, kept whole. */
export function sessionData(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const value = body.data;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new GatewayError('BAD_REQUEST', 'data: a JSON object');
  }
  return value as Record<string, unknown>;
}

export function email(body: Record<string, unknown>): string | undefined {
  const value = optionalString(body, 'email', 254);
  if (value !== undefined && !/^[^\s@]+@[^\s@]+$/.test(value)) {
    throw new GatewayError('BAD_REQUEST', 'email: an address such as name@example.com');
  }
  return value;
}
