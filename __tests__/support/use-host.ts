/**
 * A suite's host, started once for all its tests: the router at /v1 on the suite's fakes (the
 * CLI suites run their clients against it; the telemetry suites their requests). `useWatchedHost` adds what the
 * failure suites check after every run: each answer the host wrote, its telemetry, log and
 * conversation records, and that no key shows in any of them.
 */
import type { ProviderRouterOptions, RequestEndEvent } from '../../lib';
import { tapAnswers, type TappedAnswer } from './answer-tap';
import type { Fakes } from './fake-upstream';
import { envFor, startHost, type Host, type HostOptions } from './host';
import { CLIENT_TOKEN, KEYS, keyPiecesIn } from './keys';
import { observe, type Observed } from './observe';
import { everythingSent } from './recorded-requests';
import { destroyHeldResponses } from './upstream-answers';

/** A running host, and the `request.end` events it has reported (the suite empties `ends` as it needs). */
export interface SuiteHost extends Host {
  ends: RequestEndEvent[];
}

/** How the suite's host is built. */
export interface SuiteHostOptions {
  /** Env on top of `envFor(fakes)`. */
  env?: Record<string, string>;
  /** The router's other options. */
  router?: Omit<ProviderRouterOptions, 'env'>;
  /** How the Express app around the router is built. */
  host?: HostOptions;
  /** Called before the host starts: checking the client is installed, say, so that a missing one fails the suite first. */
  prepare?: () => void;
}

/**
 * The suite's host on `fakes` (call it after `useFakes`): started before all the suite's tests,
 * closed after all. The object it returns is filled in when the suite starts.
 */
export function useHost(fakes: Fakes, options: SuiteHostOptions = {}): SuiteHost {
  const host = { ends: [] as RequestEndEvent[] } as SuiteHost;
  beforeAll(async () => {
    options.prepare?.();
    Object.assign(host, await startHost({ ...options.router, env: { ...envFor(fakes), ...options.env } }, options.host));
    host.router.telemetry.on('request.end', (event) => host.ends.push(event));
  });
  afterAll(async () => {
    await (host as Partial<Host>).close?.();
  });
  return host;
}

/** A suite's host whose every answer, telemetry event, log line and conversation record is kept, each emptied after each test. */
export interface WatchedHost {
  host: SuiteHost;
  /** Its telemetry events and conversation records. */
  observed: Observed;
  /** The arguments of each call to its logger's `warn` and `error`. */
  logged: unknown[];
  /** Each answer the host wrote a client, in order. */
  answers: TappedAnswer[];
  /**
   * Checks that none of `keys` shows in what the client's `run` printed nor in anything the host
   * let out, and that each request the host served (each `request.end`) has its conversation
   * record, so that everything the host said was checked.
   */
  expectNoKeys(run: ClientOutput, keys: string[]): void;
  /**
   * The SDK probes' check: no fake got the host's own token, and no provider key shows in what the
   * client saw (`clientSaw`) nor in anything the host let out ({@link WatchedHost.expectNoKeys}).
   */
  expectNoSecretsCrossed(clientSaw: unknown[]): void;
}

/** What a CLI run printed: its JSON events, its other stdout lines, its stderr. */
export interface ClientOutput {
  events: unknown[];
  stdoutNoise: string[];
  stderr: string;
}

/**
 * `useHost` watched (see {@link WatchedHost}); held upstream answers are destroyed after each test.
 * `host` builds the app around the router as `useHost`'s does; the answer tap is mounted after its
 * `before`, right in front of the router.
 */
export function useWatchedHost(fakes: Fakes, options: Pick<SuiteHostOptions, 'env' | 'prepare' | 'host'> = {}): WatchedHost {
  const observed = observe();
  const logged: unknown[] = [];
  const answers: TappedAnswer[] = [];
  const host = useHost(fakes, {
    ...options,
    router: {
      conversationLogger: observed.conversationLogger,
      logger: { warn: (...args: unknown[]) => logged.push(args), error: (...args: unknown[]) => logged.push(args) },
    },
    host: {
      ...options.host,
      before: (app) => {
        options.host?.before?.(app);
        tapAnswers(app, answers);
      },
    },
  });
  beforeAll(() => observed.listen(host.router));
  afterEach(() => {
    destroyHeldResponses();
    observed.clear();
    logged.length = 0;
    answers.length = 0;
  });
  return {
    host,
    observed,
    logged,
    answers,
    expectNoKeys(run, keys) {
      const everything = [
        JSON.stringify(run.events),
        run.stdoutNoise.join('\n'),
        run.stderr,
        JSON.stringify(answers),
        JSON.stringify(observed.events),
        JSON.stringify(observed.records),
        JSON.stringify(logged),
      ].join('\n');
      for (const key of keys) expect(keyPiecesIn(everything, key)).toEqual([]);
      expect(observed.records).toHaveLength(observed.ends().length);
    },
    expectNoSecretsCrossed(clientSaw) {
      expect(everythingSent(fakes.all())).not.toContain(CLIENT_TOKEN);
      this.expectNoKeys({ events: clientSaw, stdoutNoise: [], stderr: '' }, Object.values(KEYS));
    },
  };
}
