import { agentFor, type AgentTurn } from './agent-upstreams';
import { pathOf, type FakeHandler } from './fake-server';
import type { FakeUpstream } from './fake-upstream';
import type { Json } from './json-shape';
import { RESPONSES_APIS, responsesFrames, responsesObject, responsesRequestProblem, sendResponsesError } from './responses-wire';
import { sendFrames, sendJson } from './upstream-answers';
import { endsWithToolOutput, type Wire } from './upstream-request';

/** An upstream an SDK probe's route reaches, and the wire it speaks. */
export interface ScriptedRoute {
  wire: Wire;
  fake(): FakeUpstream;
}

/** A refusal the fake OpenAI `/responses` gives before it answers (404 for an item it never stored, say). */
export type ResponsesRefusal = (body: Json) => { status: number; message: string; param?: string } | undefined;

/**
 * The fake model of `route` answering each request with `turn(afterTool, body)` (`afterTool`: the
 * request's conversation ends with a tool's output): a call of a tool, or text. Chat and Messages
 * upstreams answer through {@link agentFor}; a `/responses` upstream (OpenAI's, or OpenRouter's)
 * with its recorded answers, after `refuse` and the fake's own checks (what the real API would
 * refuse fails here too).
 */
export function scriptedModel(route: ScriptedRoute, turn: (afterTool: boolean, body: Json) => AgentTurn, refuse?: ResponsesRefusal): FakeHandler {
  const fake = route.fake();
  if (route.wire !== 'responses') return agentFor(fake, (body) => turn(endsWithToolOutput(route.wire, body), body));
  const api = RESPONSES_APIS[fake.kind === 'openrouter' ? 'openrouter' : 'openai'];
  return (request, res) => {
    if (pathOf(request) !== `${api.prefix}/responses`) return false;
    const problem = responsesRequestProblem(api, request);
    if (problem) {
      sendResponsesError(res, problem.status, problem.message, problem);
      return true;
    }
    const body = request.body!;
    const refusal = refuse?.(body);
    if (refusal) {
      sendResponsesError(res, refusal.status, refusal.message, { param: refusal.param });
      return true;
    }
    const next = turn(endsWithToolOutput('responses', body), body);
    const answer =
      next.kind === 'call'
        ? { type: 'function_call' as const, name: next.calls[0]!.name, arguments: next.calls[0]!.arguments, callId: 'call_weather_1' }
        : { type: 'text' as const, text: next.text };
    if (body.stream === true) sendFrames(res, responsesFrames(answer, api.flavour));
    else sendJson(res, 200, responsesObject(answer));
    return true;
  };
}

/** A turn that says `text`. */
export const says = (text: string) => (): AgentTurn => ({ kind: 'text', text });

/** Calls the tool `name` with `args` first, then says `text` once its output came back. */
export const callsToolThen =
  (name: string, args: string, text: string) =>
  (afterTool: boolean): AgentTurn =>
    afterTool ? { kind: 'text', text } : { kind: 'call', calls: [{ name, arguments: args }] };

/** The bodies `route`'s fake received, in order. */
export const bodiesOf = (route: ScriptedRoute): Json[] => route.fake().requests.map((request) => request.body ?? {});
