import type { StaffIdentity } from './section.js';

/** The console's sections, in the navigation's order. */
export const SECTIONS = ['inbox', 'dashboard', 'agents', 'inspector', 'settings'] as const;
export type SectionId = (typeof SECTIONS)[number];

const ROLES: Record<SectionId, ReadonlyArray<StaffIdentity['role']>> = {
  inbox: ['operator', 'admin'],
  dashboard: ['admin'],
  agents: ['operator', 'admin'],
  inspector: ['operator', 'admin'],
  settings: ['admin'],
};

/** The sections `role` may open, in order. */
export function sectionsFor(role: StaffIdentity['role']): SectionId[] {
  return SECTIONS.filter((s) => ROLES[s].includes(role));
}

/** The section a location hash (`#/inbox`) names, if `role` may open it; else the role's first section. */
export function sectionFromHash(hash: string, role: StaffIdentity['role']): SectionId {
  const allowed = sectionsFor(role);
  const named = /^#\/?([a-z]+)/.exec(hash)?.[1];
  return allowed.find((s) => s === named) ?? (allowed[0] as SectionId);
}
