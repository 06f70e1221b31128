/**
 * A local MCP server for Codex runs (`[mcp_servers.<name>]` in `config.toml`): a script of a few
 * lines that speaks MCP over stdio (newline-delimited JSON-RPC), offline, with one tool that looks a
 * key up and answers `notes say: value-of-<key>`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the tool answers for `key`. */
export const mcpAnswer = (key: string): string => `notes say: value-of-${key}`;

const SERVER = `
const readline = require('node:readline');
const send = (message) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...message }) + '\\n');
const tool = { name: process.env.MCP_TOOL_NAME, description: 'Looks a key up in the notes.', inputSchema: { type: 'object', properties: { key: { type: 'string' } }, required: ['key'] } };
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const request = JSON.parse(line);
  if (request.id === undefined) return;
  if (request.method === 'initialize') {
    send({ id: request.id, result: { protocolVersion: request.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'notes', version: '1.0.0' } } });
  } else if (request.method === 'tools/list') {
    send({ id: request.id, result: { tools: [tool] } });
  } else if (request.method === 'tools/call') {
    send({ id: request.id, result: { content: [{ type: 'text', text: 'notes say: value-of-' + request.params.arguments.key }] } });
  } else {
    send({ id: request.id, error: { code: -32601, message: 'no method ' + request.method } });
  }
});
`;

/**
 * Writes the server into `dir` and returns the `config.toml` table that starts it (with this
 * process's Node) as MCP server `server`, its one tool named `tool`, calls approved.
 */
export function mcpServerConfig(dir: string, server: string, tool: string): string {
  const script = join(dir, 'mcp-notes-server.cjs');
  writeFileSync(script, SERVER);
  return [
    `[mcp_servers.${server}]`,
    `command = ${JSON.stringify(process.execPath)}`,
    `args = [${JSON.stringify(script)}]`,
    'default_tools_approval_mode = "approve"',
    `env = { MCP_TOOL_NAME = ${JSON.stringify(tool)} }`,
    '',
  ].join('\n');
}
