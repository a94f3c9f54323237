import { describe, expect, it } from 'vitest';
import { formatBusinessHours, isOpen, parseBusinessHours } from './hours.js';

const SP = 'America/Sao_Paulo';
const hours = parseBusinessHours('mon-fri 09:00-18:00; sat 09:00-13:00');

describe('business hours', () => {
  it('is always open with "always"', () => {
    expect(isOpen(parseBusinessHours('always'), new Date('2025-01-05T03:00:00Z'), SP)).toBe(true);
  });

  it('reads the wall clock of the time zone (São Paulo is UTC-3)', () => {
    // Monday 2025-01-06 09:00 in São Paulo is 12:00 UTC.
    expect(isOpen(hours, new Date('2025-01-06T12:00:00Z'), SP)).toBe(true);
    expect(isOpen(hours, new Date('2025-01-06T11:59:00Z'), SP)).toBe(false);
    expect(isOpen(hours, new Date('2025-01-06T11:59:00Z'), 'UTC')).toBe(true);
  });

  it('includes the opening minute and excludes the closing one', () => {
    expect(isOpen(hours, new Date('2025-01-06T20:59:00Z'), SP)).toBe(true);
    expect(isOpen(hours, new Date('2025-01-06T21:00:00Z'), SP)).toBe(false);
    expect(isOpen(hours, new Date('2025-01-11T15:59:00Z'), SP)).toBe(true); // Saturday 12:59
    expect(isOpen(hours, new Date('2025-01-11T16:00:00Z'), SP)).toBe(false); // Saturday 13:00
  });

  it('is closed on a day no range names', () => {
    expect(isOpen(hours, new Date('2025-01-12T15:00:00Z'), SP)).toBe(false); // Sunday noon
  });

  it('accepts commas, wrapping day ranges and single days', () => {
    const weekend = parseBusinessHours('fri-sun 10:00-12:00, wed 08:00-09:00');
    expect(isOpen(weekend, new Date('2025-01-12T13:00:00Z'), SP)).toBe(true); // Sunday 10:00
    expect(isOpen(weekend, new Date('2025-01-08T11:30:00Z'), SP)).toBe(true); // Wednesday 08:30
    expect(isOpen(weekend, new Date('2025-01-07T13:00:00Z'), SP)).toBe(false); // Tuesday
  });

  it.each([
    ['mon-fri 9-18', /expected like/],
    ['mon-fry 09:00-18:00', /unknown day "fry"/],
    ['mon 18:00-09:00', /end after it starts/],
    ['mon 09:00-25:00', /invalid time 25:00/],
    ['mon 09:00-10:00;', /empty range/],
  ])('refuses %s with a clear error', (spec, message) => {
    expect(() => parseBusinessHours(spec)).toThrow(message);
  });
});

describe('formatBusinessHours', () => {
  it.each([
    ['always', 'always'],
    ['mon-fri 09:00-18:00; sat 09:00-13:00', 'mon-fri 09:00-18:00; sat 09:00-13:00'],
    ['fri-mon 10:00-12:00', 'sun-mon 10:00-12:00; fri-sat 10:00-12:00'],
  ])('writes %s back in the grammar it is read in', (spec, written) => {
    expect(formatBusinessHours(parseBusinessHours(spec))).toBe(written);
    expect(formatBusinessHours(parseBusinessHours(written))).toBe(written);
  });
});
