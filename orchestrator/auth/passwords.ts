import { hash, verify } from '@node-rs/argon2';

// `Algorithm.Argon2id` is an ambient const enum, which isolated modules cannot read; its value is 2.
const ARGON2ID = 2;

/** Argon2id cost parameters. */
export interface Argon2Params {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** Argon2id parameters in force (OWASP's first recommendation: 19 MiB, 2 passes, 1 lane). */
export const ARGON2_PARAMS: Argon2Params = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** Password length policy: long passphrases welcome, nothing truncated. */
export const PASSWORD_POLICY = { minLength: 10, maxLength: 128 } as const;

/** Hashes a password with Argon2id and the current parameters. */
export function hashPassword(password: string, params: Argon2Params = ARGON2_PARAMS): Promise<string> {
  return hash(password, { algorithm: ARGON2ID, ...params });
}

/** True when `encoded` was made with other parameters than `params` (and should be re-hashed after a login). */
export function needsRehash(encoded: string, params: Argon2Params = ARGON2_PARAMS): boolean {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(encoded);
  if (!match) return true;
  return (
    Number(match[1]) !== params.memoryCost ||
    Number(match[2]) !== params.timeCost ||
    Number(match[3]) !== params.parallelism
  );
}

/** Checks a password against an Argon2 hash; never throws on a malformed hash (it just does not match). */
export async function verifyPassword(encoded: string, password: string): Promise<boolean> {
  try {
    return await verify(encoded, password);
  } catch {
    return false;
  }
}

// Verifying against this hash when the account does not exist makes both paths cost the same time.
let dummyHash: Promise<string> | undefined;

/** A hash to verify against when there is no account, so timing does not reveal which emails exist. */
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword('not-a-real-password-at-all');
  return dummyHash;
}
