import { invalidRequest } from '../../../errors';
import { isRecord } from '../../../is-record';
import { isSet } from '../../../is-set';

/**
 * A Responses `text` setting's `format` as chat's `response_format`: a JSON schema, or plain JSON;
 * nothing for plain text. `where` is where the client gave `text`: the request's own (`text`), or
 * a `configuration_update` item's (`input[3].text`).
 * @throws ProviderRouterError 400 naming `where` for a format the API does not define, or a JSON
 *   schema format without its schema: the answer would not be held to what the client asked.
 */
export function toResponseFormat(text: unknown, where = 'text'): Record<string, unknown> | undefined {
  if (!isSet(text)) return undefined;
  if (!isRecord(text)) throw invalidRequest(`\`${where}\` must be an object ({format, verbosity}).`, where);
  const format = text.format;
  if (!isSet(format)) return undefined;
  if (!isRecord(format) || !['text', 'json_schema', 'json_object'].includes(format.type as string)) {
    throw invalidRequest(`\`${where}.format.type\` must be text, json_schema or json_object.`, where);
  }
  if (format.type === 'json_schema') {
    if (!isRecord(format.schema)) throw invalidRequest(`A \`${where}.format\` of type json_schema needs its \`schema\` object.`, where);
    const schema: Record<string, unknown> = { name: typeof format.name === 'string' ? format.name : 'response', schema: format.schema };
    if (typeof format.strict === 'boolean') schema.strict = format.strict;
    if (typeof format.description === 'string') schema.description = format.description;
    return { type: 'json_schema', json_schema: schema };
  }
  if (format.type === 'json_object') return { type: 'json_object' };
  return undefined;
}
