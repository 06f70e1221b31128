import { isoTimestamp } from '../../../lib/telemetry/timestamp';

describe('isoTimestamp', () => {
  test('equals toISOString() for every millisecond of a second, within the second and across seconds', () => {
    const base = Date.UTC(2026, 10, 27, 23, 59, 58);
    for (let ms = base; ms < base + 3000; ms += 7) expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
    for (const ms of [base, base + 1, base + 9, base + 10, base + 99, base + 100, base + 999, base + 1000]) {
      expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
    }
  });

  test('equals toISOString() when time goes back, and for dates of another length', () => {
    for (const ms of [Date.UTC(2030, 0, 1), Date.UTC(2020, 0, 1, 0, 0, 0, 5), 0, 253402300800000, Date.UTC(2030, 0, 1, 0, 0, 0, 42)]) {
      expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
    }
  });

  test('defaults to now', () => {
    const before = Date.now();
    const stamp = Date.parse(isoTimestamp());
    expect(stamp).toBeGreaterThanOrEqual(before);
    expect(stamp).toBeLessThanOrEqual(Date.now());
  });
});
