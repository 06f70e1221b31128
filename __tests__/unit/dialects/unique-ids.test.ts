import { CarriedIds, carriedId, carryingId, UniqueIds } from '../../../lib/dialects/unique-ids';

const KIMI = { provider: 'openrouter', model: 'moonshotai/kimi-k2' };
const fresh = (): string => 'call_fresh';

describe('carryingId and carriedId', () => {
  test("carry the provider's id, read back for the provider and model that made it only", () => {
    const id = carryingId('call_epr', 'functions.Bash:0', KIMI, fresh);
    expect(id).toMatch(/^call_epr[A-Za-z0-9_-]+$/);
    expect(carriedId('call_epr', id, KIMI)).toBe('functions.Bash:0');
    // Another model (Anthropic's, behind the same OpenRouter) gets the router's id, which it takes.
    expect(carriedId('call_epr', id, { provider: 'openrouter', model: 'anthropic/claude-sonnet-5-5' })).toBe(id);
    expect(carriedId('call_epr', id, { provider: 'anthropic', model: 'moonshotai/kimi-k2' })).toBe(id);
  });

  test('two replacements of one id differ, and both read back', () => {
    const [first, second] = [carryingId('toolu_epr', 'call_0', KIMI, fresh), carryingId('toolu_epr', 'call_0', KIMI, fresh)];
    expect(first).not.toBe(second);
    expect([carriedId('toolu_epr', first, KIMI), carriedId('toolu_epr', second, KIMI)]).toEqual(['call_0', 'call_0']);
  });

  test('stay within the 64 characters OpenAI takes in a call_id: a longer result is a fresh id instead', () => {
    expect(carryingId('toolu_epr', 'functions.TodoWrite:12', KIMI, fresh).length).toBeLessThanOrEqual(64);
    expect(carryingId('toolu_epr', 'functions.mcp__playwright__browser_navigate:5', KIMI, fresh)).toBe('call_fresh');
  });

  test('keep an id that only looks like a carrying one', () => {
    const real = carryingId('call_epr', 'functions.Bash:0', KIMI, fresh);
    const head = real.slice(0, 'call_epr'.length + 14);
    // No carried part, a part that is not the router's base64url, bytes that are not UTF-8, another prefix.
    for (const id of [head, `${head}@@`, `${head}_w`, `${head}__8`, 'call_0', real.replace('call_epr', 'call_xyz')]) {
      expect(carriedId('call_epr', id, KIMI)).toBe(id);
    }
  });
});

test('UniqueIds keeps an id it can, replaces a taken or refused one, and makes one where there is none', () => {
  const ids = new UniqueIds(
    fresh,
    ['call_0'],
    (id) => !id.includes(':'),
    (id) => `replaced ${id}`,
  );
  expect([ids.claim('call_1'), ids.claim('call_0'), ids.claim('functions.Bash:0'), ids.claim(''), ids.claim(undefined)]).toEqual([
    'call_1',
    'replaced call_0',
    'replaced functions.Bash:0',
    'call_fresh',
    'call_fresh',
  ]);
});

describe('CarriedIds', () => {
  const replaced = (): string => carryingId('call_epr', 'call_0', KIMI, fresh);

  test("read a carried id back once: a call and its result get it, a second call carrying it keeps the router's", () => {
    const [first, second] = [replaced(), replaced()];
    const ids = new CarriedIds('call_epr', KIMI, [first, second]);
    expect([first, first, second, second].map((id) => ids.read(id))).toEqual(['call_0', 'call_0', second, second]);
  });

  test("keep the router's id where the conversation has the carried id as a plain call, before it or after it", () => {
    const id = replaced();
    for (const order of [
      ['call_0', id],
      [id, 'call_0'],
    ]) {
      const ids = new CarriedIds('call_epr', KIMI, order);
      expect(order.map((sent) => ids.read(sent))).toEqual(order);
    }
  });
});
