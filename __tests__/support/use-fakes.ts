import { startFakes, type Fakes } from './fake-upstream';

/**
 * The suite's four fakes (see `startFakes`): started before all its tests, reset after each test,
 * closed after all. Call it at the top of a suite file, before the suite's own hooks; the object
 * it returns is filled in when the suite starts.
 */
export function useFakes(): Fakes {
  const fakes = {} as Fakes;
  beforeAll(async () => {
    Object.assign(fakes, await startFakes());
  });
  afterEach(() => fakes.reset());
  afterAll(async () => {
    await (fakes as Partial<Fakes>).close?.();
  });
  return fakes;
}
