import type { AccountRole, AccountStore } from './accounts.js';
import { hashPassword } from './passwords.js';

/** A demo account seeded outside production; ids are fixed so the demo shop data can refer to them. */
export interface DemoAccount {
  id: string;
  email: string;
  displayName: string;
  role: AccountRole;
  password: string;
}

/** Demo accounts, with the password from configuration (`DEMO_PASSWORD`). */
export function demoAccounts(password: string): DemoAccount[] {
  return [
    {
      id: '00000000-0000-4000-8000-000000000001',
      email: 'customer@atende.dev',
      displayName: 'Ana Souza',
      role: 'customer',
      password,
    },
    {
      id: '00000000-0000-4000-8000-000000000002',
      email: 'premium@atende.dev',
      displayName: 'Bruno Lima',
      role: 'premium',
      password,
    },
    {
      id: '00000000-0000-4000-8000-000000000003',
      email: 'operator@atende.dev',
      displayName: 'Carla Operadora',
      role: 'operator',
      password,
    },
    {
      id: '00000000-0000-4000-8000-000000000004',
      email: 'admin@atende.dev',
      displayName: 'Davi Admin',
      role: 'admin',
      password,
    },
  ];
}

/** Creates the demo accounts that do not exist yet; returns the emails created. */
export async function seedDemoAccounts(accounts: AccountStore, demo: DemoAccount[]): Promise<string[]> {
  const created: string[] = [];
  for (const account of demo) {
    if (await accounts.findByEmail(account.email)) continue;
    const made = await accounts.create({ ...account, passwordHash: await hashPassword(account.password) });
    if (made) created.push(made.email);
  }
  return created;
}
