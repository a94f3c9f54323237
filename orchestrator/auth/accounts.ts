import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { SqlClient } from '../store/index.js';

/** Roles a signed-in account may have (guests have no account). */
export type AccountRole = 'customer' | 'premium' | 'operator' | 'admin';

/** A stored account. */
export interface Account {
  id: string;
  email: string;
  displayName: string;
  role: AccountRole;
  passwordHash: string;
}

/** Result of redeeming a refresh token. */
export type RefreshOutcome =
  | { status: 'rotated'; account: Account; refreshToken: string; familyId: string }
  | { status: 'reused'; userId: string; familyId: string }
  | { status: 'invalid' };

/** Accounts and their refresh-token families. */
export interface AccountStore {
  create(input: {
    id?: string;
    email: string;
    displayName: string;
    role: AccountRole;
    passwordHash: string;
  }): Promise<Account | undefined>;
  findByEmail(email: string): Promise<Account | undefined>;
  findById(id: string): Promise<Account | undefined>;
  updatePasswordHash(id: string, passwordHash: string): Promise<void>;
  /** Starts a new family (a login) and returns its first opaque refresh token. */
  issueRefreshToken(userId: string): Promise<{ refreshToken: string; familyId: string }>;
  /** Spends a refresh token: a fresh one in the same family, or — if it was already spent — the family revoked. */
  rotateRefreshToken(refreshToken: string): Promise<RefreshOutcome>;
  /** Revokes the family of a refresh token (logout); false when the token is unknown. */
  revokeFamily(refreshToken: string): Promise<{ userId: string; familyId: string } | undefined>;
  /** Revokes every sign-in of the token's owner (every family, every device); undefined for an unknown token. */
  revokeAllOf(refreshToken: string): Promise<{ userId: string; familyId: string } | undefined>;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function parseToken(token: string): { id: string; secret: string } | undefined {
  const match = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(token);
  return match?.[1] && match[2] ? { id: match[1], secret: match[2] } : undefined;
}

type AccountRow = {
  id: string;
  email: string;
  display_name: string;
  role: AccountRole;
  password_hash: string;
};
const toAccount = (r: AccountRow): Account => ({
  id: r.id,
  email: r.email,
  displayName: r.display_name,
  role: r.role,
  passwordHash: r.password_hash,
});

/** Creates the account store; refresh tokens are `id.secret`, only the secret's SHA-256 is stored. */
export function createAccountStore(options: {
  sql: SqlClient;
  refreshTtlMs?: number;
  now?: () => Date;
}): AccountStore {
  const { sql, refreshTtlMs = 30 * 24 * 3600_000, now = () => new Date() } = options;

  /** A new token of a family; a rotated one keeps the family's expiry, so a sign-in lasts `refreshTtlMs` at most. */
  async function insertToken(
    tx: SqlClient,
    userId: string,
    familyId: string,
    expiresAt?: Date,
  ): Promise<string> {
    const id = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    const at = now();
    await tx.query(
      `insert into refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at)
       values ($1, $2, $3, $4, $5, $6)`,
      [id, familyId, userId, sha256(secret), at, expiresAt ?? new Date(at.getTime() + refreshTtlMs)],
    );
    return `${id}.${secret}`;
  }

  const store: AccountStore = {
    async create(input) {
      const at = now();
      const rows = await sql.query<AccountRow>(
        `insert into users (id, email, display_name, role, password_hash, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $6) on conflict (email) do nothing
         returning id, email, display_name, role, password_hash`,
        [
          input.id ?? randomUUID(),
          input.email.toLowerCase(),
          input.displayName,
          input.role,
          input.passwordHash,
          at,
        ],
      );
      return rows[0] ? toAccount(rows[0]) : undefined;
    },
    async findByEmail(email) {
      const rows = await sql.query<AccountRow>(
        'select id, email, display_name, role, password_hash from users where email = $1',
        [email.toLowerCase()],
      );
      return rows[0] ? toAccount(rows[0]) : undefined;
    },
    async findById(id) {
      const rows = await sql.query<AccountRow>(
        'select id, email, display_name, role, password_hash from users where id = $1',
        [id],
      );
      return rows[0] ? toAccount(rows[0]) : undefined;
    },
    async updatePasswordHash(id, passwordHash) {
      await sql.query('update users set password_hash = $2, updated_at = $3 where id = $1', [
        id,
        passwordHash,
        now(),
      ]);
    },
    async issueRefreshToken(userId) {
      const familyId = randomUUID();
      return { refreshToken: await insertToken(sql, userId, familyId), familyId };
    },
    async rotateRefreshToken(token) {
      const parsed = parseToken(token);
      if (!parsed) return { status: 'invalid' };
      return sql.transaction(async (tx) => {
        const rows = await tx.query<{
          family_id: string;
          user_id: string;
          token_hash: string;
          expires_at: Date | string;
          used_at: Date | null;
          revoked_at: Date | null;
        }>(
          'select family_id, user_id, token_hash, expires_at, used_at, revoked_at from refresh_tokens where id = $1 for update',
          [parsed.id],
        );
        const row = rows[0];
        if (!row) return { status: 'invalid' } as const;
        const given = Buffer.from(sha256(parsed.secret), 'hex');
        if (!timingSafeEqual(given, Buffer.from(row.token_hash, 'hex')))
          return { status: 'invalid' } as const;
        if (row.revoked_at && !row.used_at) return { status: 'invalid' } as const;
        if (row.used_at) {
          // A spent token presented again: someone holds a copy. Revoke the whole family.
          await tx.query(
            'update refresh_tokens set revoked_at = $2 where family_id = $1 and revoked_at is null',
            [row.family_id, now()],
          );
          return { status: 'reused', userId: row.user_id, familyId: row.family_id } as const;
        }
        if (new Date(row.expires_at).getTime() <= now().getTime()) return { status: 'invalid' } as const;
        await tx.query('update refresh_tokens set used_at = $2 where id = $1', [parsed.id, now()]);
        const accountRows = await tx.query<AccountRow>(
          'select id, email, display_name, role, password_hash from users where id = $1',
          [row.user_id],
        );
        if (!accountRows[0]) return { status: 'invalid' } as const;
        const refreshToken = await insertToken(tx, row.user_id, row.family_id, new Date(row.expires_at));
        return {
          status: 'rotated',
          account: toAccount(accountRows[0]),
          refreshToken,
          familyId: row.family_id,
        } as const;
      });
    },
    async revokeFamily(token) {
      const parsed = parseToken(token);
      if (!parsed) return undefined;
      const rows = await sql.query<{ family_id: string; user_id: string; token_hash: string }>(
        'select family_id, user_id, token_hash from refresh_tokens where id = $1',
        [parsed.id],
      );
      const row = rows[0];
      if (
        !row ||
        !timingSafeEqual(Buffer.from(sha256(parsed.secret), 'hex'), Buffer.from(row.token_hash, 'hex'))
      ) {
        return undefined;
      }
      await sql.query(
        'update refresh_tokens set revoked_at = $2 where family_id = $1 and revoked_at is null',
        [row.family_id, now()],
      );
      return { userId: row.user_id, familyId: row.family_id };
    },
    async revokeAllOf(token) {
      const revoked = await store.revokeFamily(token);
      if (!revoked) return undefined;
      await sql.query('update refresh_tokens set revoked_at = $2 where user_id = $1 and revoked_at is null', [
        revoked.userId,
        now(),
      ]);
      return revoked;
    },
  };
  return store;
}
