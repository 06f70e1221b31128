import { invalidRequest, unsupportedParameter } from '../../../errors';
import { isRecord } from '../../../is-record';
import { isSet } from '../../../is-set';
import { toResponseFormat } from './text-format';

/** What a `configuration_update` item holds besides the settings the route carries. */
const ITEM_FIELDS = new Set(['type', 'id', 'reasoning', 'text']);

/** The settings a Responses request is answered with, and where the client gave each. */
export interface SettingsInEffect {
  /**
   * The request with `reasoning.effort` and `text.format` as the last `configuration_update`
   * left them: the client's body itself when no update changed them, else a copy.
   */
  body: Record<string, unknown>;
  /** Where the effort in effect was given: `reasoning.effort`, or an item's `input[3].reasoning.effort`. */
  effortFrom: string;
  /** Where the text format in effect was given: `text`, or an item's `input[3].text`. */
  textFrom: string;
}

/**
 * The settings in effect for a Responses request: its own `reasoning.effort` and `text.format`,
 * then each `configuration_update` item of `items`, in order, replacing the settings it names
 * (OpenAI: "each setting stays in effect until a later update replaces it"). A setting set to
 * `null` is not named. The items themselves carry nothing else, and are left out of the history.
 * @throws ProviderRouterError 400 `invalid_request`, `param` naming the item's field
 *   (`input[3].reasoning.effort`), for an update whose setting the request's own field could not
 *   hold either; 400 `unsupported_parameter` (`param: "input"`) for an update of a field the route
 *   does not carry, which the provider would never see.
 */
export function settingsInEffect(body: Record<string, unknown>, items: readonly unknown[]): SettingsInEffect {
  let effort: string | undefined;
  let format: unknown;
  let effortFrom = 'reasoning.effort';
  let textFrom = 'text';
  // Checked even where an update replaces it, as the updates' own are.
  toResponseFormat(body.text);
  items.forEach((item, i) => {
    if (!isRecord(item) || item.type !== 'configuration_update') return;
    const where = `input[${i}]`;
    const update = readUpdate(item, where);
    if (update.effort !== undefined) [effort, effortFrom] = [update.effort, `${where}.reasoning.effort`];
    if (update.format !== undefined) [format, textFrom] = [update.format, `${where}.text`];
  });
  if (effort === undefined && format === undefined) return { body, effortFrom, textFrom };
  const inEffect = { ...body };
  if (effort !== undefined) inEffect.reasoning = { ...(isRecord(body.reasoning) ? body.reasoning : {}), effort };
  if (format !== undefined) inEffect.text = { ...(isRecord(body.text) ? body.text : {}), format };
  return { body: inEffect, effortFrom, textFrom };
}

/**
 * The effort and text format a `configuration_update` item at `where` names, each checked as the
 * request's own field is.
 */
function readUpdate(item: Record<string, unknown>, where: string): { effort?: string; format?: unknown } {
  for (const [field, value] of Object.entries(item)) {
    if (!ITEM_FIELDS.has(field) && isSet(value)) {
      throw unsupportedParameter(
        'input',
        `${where}: a configuration_update's \`${field}\` cannot be carried to this provider; send the update without it, or use a model of a provider that serves the Responses API itself.`,
      );
    }
  }
  const update: { effort?: string; format?: unknown } = {};
  const { reasoning, text } = item;
  if (isSet(reasoning)) {
    if (!isRecord(reasoning)) throw invalidRequest(`\`${where}.reasoning\` must be an object ({effort}).`, `${where}.reasoning`);
    if (isSet(reasoning.effort) && typeof reasoning.effort !== 'string')
      throw invalidRequest(`\`${where}.reasoning.effort\` must be a string.`, `${where}.reasoning.effort`);
    if (typeof reasoning.effort === 'string') update.effort = reasoning.effort;
  }
  toResponseFormat(text, `${where}.text`);
  if (isRecord(text) && isSet(text.format)) update.format = text.format;
  return update;
}
