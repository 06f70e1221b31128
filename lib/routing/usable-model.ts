/** The longest `model` the router takes. */
export const MAX_MODEL_LENGTH = 256;

/**
 * Whether `model` is a name the router takes as a request's `model`: not blank, at most
 * {@link MAX_MODEL_LENGTH} characters, without control characters. The merged model list holds
 * only such ids, since each must route back when sent as `model`.
 */
export function isUsableModel(model: string): boolean {
  // eslint-disable-next-line no-control-regex -- finding control characters in `model` is what this pattern is for
  return model.trim() !== '' && model.length <= MAX_MODEL_LENGTH && !/[\u0000-\u001f\u007f-\u009f]/.test(model);
}
