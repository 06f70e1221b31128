import { failedResponseOf } from '../../../../lib/dialects/responses/summary-reader';

describe('failedResponseOf: the failure a whole Responses object reports, for telemetry', () => {
  test('a failed response gives its error code and message', () => {
    expect(failedResponseOf({ status: 'failed', error: { code: 'server_error', message: 'The model crashed' } })).toEqual({
      message: 'The model crashed',
      type: 'server_error',
    });
  });

  test('fields that are not strings, from an upstream gone wrong, do not reach telemetry as they came', () => {
    expect(failedResponseOf({ status: 'failed', error: { code: 500, message: { x: 1 } } })).toEqual({
      message: 'The response failed',
      type: 'upstream_error',
    });
    expect(failedResponseOf({ status: 'failed', error: null })).toEqual({ message: 'The response failed', type: 'upstream_error' });
  });

  test('a response that did not fail reports nothing', () => {
    expect(failedResponseOf({ status: 'completed', error: null })).toBeUndefined();
    expect(failedResponseOf({ status: 'incomplete' })).toBeUndefined();
    expect(failedResponseOf('failed')).toBeUndefined();
  });
});
