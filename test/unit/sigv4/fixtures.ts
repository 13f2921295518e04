// Shared keys, clock and assertions for the SigV4 tests.
import assert from 'node:assert/strict';
import { SigV4Error, type SecretLookup, type SigV4ErrorType, type SignedRequest } from '../../../src/iam/sigv4/index.js';

export const KEY = { accessKeyId: 'AKIAWHARFTESTKEY0001', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
export const TEMP_KEY = {
  accessKeyId: 'ASIAWHARFTESTKEY0002',
  secretAccessKey: 'tempSecretKey/0123456789abcdefghijklmnopq',
  sessionToken: 'FwoGZXIvYXdzEJr//////////wEaDOPQ5uTOKEN+with/odd=chars',
};
export const SIGNED_AT = new Date('2026-11-25T12:00:00Z');
export const MINUTE = 60_000;

export const lookup: SecretLookup = async (accessKeyId) => {
  if (accessKeyId === KEY.accessKeyId) return { secretAccessKey: KEY.secretAccessKey };
  if (accessKeyId === TEMP_KEY.accessKeyId) return { secretAccessKey: TEMP_KEY.secretAccessKey, sessionToken: TEMP_KEY.sessionToken };
  return null;
};

export function copy(req: SignedRequest): SignedRequest {
  return { ...req, headers: { ...req.headers } };
}

/** Replaces one Authorization component (Credential, SignedHeaders or Signature). */
export function withAuthComponent(req: SignedRequest, name: string, value: string): SignedRequest {
  const out = copy(req);
  out.headers.authorization = String(req.headers.authorization).replace(new RegExp(`${name}=[^,]*`), `${name}=${value}`);
  return out;
}

export function authComponent(req: SignedRequest, name: string): string {
  return new RegExp(`${name}=([^,]*)`).exec(String(req.headers.authorization))![1]!;
}

export async function rejectsWith(promise: Promise<unknown>, type: SigV4ErrorType, status?: number, message?: RegExp): Promise<SigV4Error> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof SigV4Error, `expected a SigV4Error ${type}, got ${caught === undefined ? 'success' : String(caught)}`);
  assert.equal(caught.type, type, caught.message);
  if (status !== undefined) assert.equal(caught.status, status);
  if (message) assert.match(caught.message, message);
  return caught;
}
