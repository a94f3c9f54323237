import { describe, expect, it } from 'vitest';
import { sectionFromHash, sectionsFor } from './nav.js';

describe('the console navigation', () => {
  it('shows operators the inbox, agents and inspector; admins everything', () => {
    expect(sectionsFor('operator')).toEqual(['inbox', 'agents', 'inspector']);
    expect(sectionsFor('admin')).toEqual(['inbox', 'dashboard', 'agents', 'inspector', 'settings']);
  });

  it('opens the section of the hash when the role may, else the first one', () => {
    expect(sectionFromHash('#/inspector', 'operator')).toBe('inspector');
    expect(sectionFromHash('#/settings', 'admin')).toBe('settings');
    expect(sectionFromHash('#/settings', 'operator')).toBe('inbox');
    expect(sectionFromHash('#/dashboard', 'operator')).toBe('inbox');
    expect(sectionFromHash('', 'admin')).toBe('inbox');
    expect(sectionFromHash('#/nope', 'admin')).toBe('inbox');
  });
});
