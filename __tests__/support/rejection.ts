/** Any error class: an SDK's `APIError`, say. */
type ErrorClass = abstract new (...args: never[]) => unknown;

/**
 * What `promise` rejected with, failing the test when it resolved or rejected with anything but an
 * instance of `errorClass`.
 */
export async function rejectionOf<C extends ErrorClass>(promise: Promise<unknown>, errorClass: C): Promise<InstanceType<C>> {
  const outcome = await promise.then(
    (value: unknown) => ({ resolved: value }),
    (error: unknown) => ({ error }),
  );
  if ('resolved' in outcome) {
    throw new Error(`expected the call to fail with ${errorClass.name}, got ${String(JSON.stringify(outcome.resolved)).slice(0, 500)}`);
  }
  expect(outcome.error).toBeInstanceOf(errorClass);
  return outcome.error as InstanceType<C>;
}

/** What `call` threw, failing the test when it returned or threw anything but an instance of `errorClass`. */
export function thrownBy<C extends ErrorClass>(call: () => unknown, errorClass: C): InstanceType<C> {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(errorClass);
  return thrown as InstanceType<C>;
}
