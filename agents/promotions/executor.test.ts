import { randomUUID } from 'node:crypto';
import { TaskState } from '@a2a-js/sdk';
import {
  type AgentExecutionEvent,
  DefaultExecutionEventBus,
  RequestContext,
  ServerCallContext,
} from '@a2a-js/sdk/server';
import { describe, expect, it } from 'vitest';
import { createLogger, type ServiceTokenClaims } from '../runtime/index.js';
import { userMessage } from '../runtime/testing/fixtures.js';
import { createDemoCatalogue, createStaticCatalogue, type OfferCatalogue } from './catalogue.js';
import { createPromotionsExecutor } from './executor.js';

const NOW = new Date('2025-03-10T15:00:00Z');
const now = () => NOW;
const logger = createLogger({ name: 'promotions-test', level: 'silent' });
const PREMIUM = '00000000-0000-4000-8000-000000000002';

function claims(role: string, scopes = ['promotions:read']): ServiceTokenClaims {
  return {
    iss: 'atende-orchestrator',
    aud: 'https://localhost:9104/a2a',
    sub: PREMIUM,
    role,
    scope: scopes.join(' '),
    scopes: new Set(scopes),
    skill: 'premium-offers',
    jti: randomUUID(),
    cid: randomUUID(),
    iat: 0,
    exp: 0,
  };
}

const message = (text: string, locale?: string) =>
  userMessage(text, { metadata: locale ? { locale } : undefined });

async function ask(options: {
  role?: string;
  scopes?: string[];
  locale?: string;
  catalogue?: OfferCatalogue;
}) {
  const { role = 'premium', scopes, locale, catalogue = createDemoCatalogue({ now }) } = options;
  const context = new RequestContext(
    { tenant: '', message: message('tem cupom?', locale), configuration: undefined, metadata: undefined },
    randomUUID(),
    randomUUID(),
    new ServerCallContext({ state: new Map<string, unknown>([['claims', claims(role, scopes)]]) }),
  );
  const bus = new DefaultExecutionEventBus();
  const events: AgentExecutionEvent[] = [];
  bus.on('event', (e) => events.push(e));
  await createPromotionsExecutor({ catalogue, logger, now }).execute(context, bus);
  const artifacts = events.flatMap((e) => (e.kind === 'artifactUpdate' ? [e.data] : []));
  const parts = artifacts.flatMap((a) => a.artifact?.parts ?? []);
  const last = events.at(-1);
  return {
    events,
    textChunks: artifacts.filter((a) => a.artifact?.artifactId === 'answer'),
    text: parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join(''),
    data: parts.flatMap((p) => (p.content?.$case === 'data' ? [p.content.value as any] : [])),
    status: last?.kind === 'statusUpdate' ? last.data.status : undefined,
  };
}

describe('promotions executor', () => {
  it('streams the current offers to a premium shopper, one data part each, then COMPLETED', async () => {
    const result = await ask({});
    expect(result.events[0]?.kind).toBe('task');
    expect(result.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(result.textChunks.length).toBe(2);
    expect(result.textChunks.slice(1).every((c) => c.append)).toBe(true);
    expect(result.text).toBe(
      'Separei 4 ofertas exclusivas de cliente premium para você. ' +
        'Os cupons valem no carrinho, antes de finalizar a compra.',
    );
    expect(result.text).not.toMatch(/BFANTECIPA|NIVER100/);
    expect(result.data.map((d) => d.kind)).toEqual(['offer', 'offer', 'offer', 'offer']);
    expect(result.data[1].offer).toEqual({
      id: 'premium-15-eletronicos',
      title: '15% off em eletrônicos',
      description: 'Fones, smartwatches, carregadores e acessórios com 15% de desconto.',
      code: 'PREMIUM15',
      discount: { type: 'percent', value: 15, label: '15% de desconto' },
      validUntil: '2025-03-15T15:00:00.000Z',
      conditions: [
        'Exclusivo para clientes premium',
        'Desconto máximo de R$ 300',
        'Uma vez por cliente',
        'Não cumulativo com outros cupons',
      ],
    });
    expect(result.data[3].offer.code).toBeUndefined();
    // The cards carry each offer; the text does not say any of it again.
    for (const { offer } of result.data) {
      expect(result.text).not.toContain(offer.title);
      if (offer.code) expect(result.text).not.toContain(offer.code);
      for (const condition of offer.conditions) expect(result.text).not.toContain(condition);
    }
  });

  it('leaves out the coupon hint when no offer has a coupon', async () => {
    const offers = await createDemoCatalogue({ now }).listOffers();
    const automatic = offers.filter((o) => !o.code);
    const result = await ask({ catalogue: createStaticCatalogue(automatic) });
    expect(result.text).toMatch(/^Separei \d+ ofertas? exclusivas? de cliente premium para você\.$/);
  });

  it('answers in English when the message says so', async () => {
    const result = await ask({ locale: 'en' });
    expect(result.text).toBe(
      'Here are 4 exclusive premium offers for you. Coupons go in your cart, before checking out.',
    );
    expect(result.data[3].offer.discount.label).toBe('free shipping');
  });

  it('rejects a caller that is not premium, even with the scope', async () => {
    for (const role of ['customer', 'guest', 'operator', 'admin']) {
      const result = await ask({ role });
      expect(result.status?.state).toBe(TaskState.TASK_STATE_REJECTED);
      const part = result.status?.message?.parts[0]?.content;
      expect(part?.$case === 'text' && part.value).toBe(
        'As ofertas exclusivas são só para clientes premium.',
      );
      expect(result.data).toEqual([]);
      expect(result.text).toBe('');
    }
  });

  it('rejects a premium caller whose token lacks the scope', async () => {
    const result = await ask({ scopes: [] });
    expect(result.status?.state).toBe(TaskState.TASK_STATE_REJECTED);
  });

  it('says so when no offer is current', async () => {
    const result = await ask({ catalogue: createStaticCatalogue([]) });
    expect(result.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(result.text).toMatch(/não há ofertas ativas/);
    expect(result.data).toEqual([]);
  });

  it('degrades, never fails, when the catalogue fails', async () => {
    const result = await ask({ catalogue: { listOffers: () => Promise.reject(new Error('disk on fire')) } });
    expect(result.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(result.text).toMatch(/^Não consegui consultar as ofertas agora/);
    expect(result.data).toEqual([{ kind: 'degraded', reason: 'offers_unavailable' }]);
  });
});
