import { describe, expect, it } from 'vitest';
import { loadOrdersConfig } from './config.js';

describe('loadOrdersConfig', () => {
  it('uses the demo data when ORDERS_API_URL is unset or empty', () => {
    expect(loadOrdersConfig({})).toEqual({ ORDERS_API_TIMEOUT_MS: 3_000 });
    expect(loadOrdersConfig({ ORDERS_API_URL: '' }).ORDERS_API_URL).toBeUndefined();
  });

  it('reads the order API settings', () => {
    expect(
      loadOrdersConfig({
        ORDERS_API_URL: 'https://shop.example/api',
        ORDERS_API_KEY: 'k',
        ORDERS_API_TIMEOUT_MS: '1500',
      }),
    ).toEqual({
      ORDERS_API_URL: 'https://shop.example/api',
      ORDERS_API_KEY: 'k',
      ORDERS_API_TIMEOUT_MS: 1500,
    });
  });

  it('fails fast naming every bad variable', () => {
    expect(() => loadOrdersConfig({ ORDERS_API_URL: 'not a url', ORDERS_API_TIMEOUT_MS: '-1' })).toThrow(
      /ORDERS_API_URL[\s\S]*ORDERS_API_TIMEOUT_MS|ORDERS_API_TIMEOUT_MS[\s\S]*ORDERS_API_URL/,
    );
  });
});
