import { describe, expect, it } from 'vitest';
import { addDays, axisLabel, dateTime, dayOf, duration, percent, rangeOf, startOfDay } from './format.js';

const SP = 'America/Sao_Paulo';

describe('the dashboard’s formats', () => {
  it('writes durations and rates in the locale', () => {
    expect(duration(850.4, 'en')).toBe('850 ms');
    expect(duration(1250, 'pt-BR')).toBe('1,3 s');
    expect(duration(1250, 'en')).toBe('1.3 s');
    expect(duration(185_000, 'en')).toBe('3 min 5 s');
    expect(duration(null, 'en')).toBe('–');
    expect(percent(1 / 3, 'en')).toBe('33.3%');
    expect(percent(1 / 3, 'pt-BR')).toMatch(/^33,3\s?%$/);
    expect(percent(null, 'pt-BR')).toBe('–');
  });

  it('writes dates in the shop’s time zone, not the machine’s', () => {
    expect(dateTime('2025-03-01T02:30:00Z', 'pt-BR', SP)).toMatch(/28.*fev.*23:30/);
    expect(dateTime('2025-03-01T02:30:00Z', 'en', 'UTC')).toMatch(/Mar 01.*02:30 AM/);
    expect(axisLabel(Date.parse('2025-03-01T12:00:00Z'), 86_400_000, 'pt-BR', SP)).toBe('09:00');
    expect(axisLabel(Date.parse('2025-03-01T12:00:00Z'), 7 * 86_400_000, 'en', SP)).toBe('Mar 01');
  });

  it('finds midnight in the time zone', () => {
    expect(startOfDay('2025-03-01', SP).toISOString()).toBe('2025-03-01T03:00:00.000Z');
    expect(startOfDay('2025-03-01', 'UTC').toISOString()).toBe('2025-03-01T00:00:00.000Z');
    expect(dayOf(new Date('2025-03-01T02:00:00Z'), SP)).toBe('2025-02-28');
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
  });

  it('turns a preset into a range ending now', () => {
    const now = new Date('2025-03-10T15:00:00Z');
    expect(rangeOf('today', { now, timeZone: SP })).toEqual({
      from: new Date('2025-03-10T03:00:00Z'),
      to: now,
    });
    expect(rangeOf('7d', { now, timeZone: SP }).from).toEqual(new Date('2025-03-04T03:00:00Z'));
    expect(rangeOf('30d', { now, timeZone: SP }).from).toEqual(new Date('2025-02-09T03:00:00Z'));
    expect(rangeOf('custom', { now, timeZone: SP, firstDay: '2025-03-01', lastDay: '2025-03-02' })).toEqual({
      from: new Date('2025-03-01T03:00:00Z'),
      to: new Date('2025-03-03T03:00:00Z'),
    });
    expect(
      rangeOf('custom', { now, timeZone: SP, firstDay: '2025-03-09', lastDay: '2025-03-10' }).to,
    ).toEqual(now);
  });
});
