import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { toToolResult } from './mcp-result.js';
import { McpServerConfig, McpServerName } from './mcp-server-config.js';
import { TOOL_NAME, exposedToolNames } from './mcp-tool-names.js';

describe('names of MCP tools shown to models', () => {
  it('prefixes the server and replaces characters models refuse', () => {
    expect(exposedToolNames('git', ['status', 'log.show', 'files/read', 'über', 'a b'])).toEqual(['git__status', 'git__log_show', 'git__files_read', 'git___ber', 'git__a_b']);
  });

  it('keeps names that sanitise alike apart', () => {
    expect(exposedToolNames('s', ['a.b', 'a/b', 'a_b', 'a b'])).toEqual(['s__a_b', 's__a_b_2', 's__a_b_3', 's__a_b_4']);
  });

  it('stays within 64 characters, also with suffixes', () => {
    const long = 'x'.repeat(100);
    const names = exposedToolNames('a'.repeat(32), [long, `${long}y`, '', '']);
    for (const name of names) expect(name).toMatch(TOOL_NAME);
    expect(new Set(names).size).toBe(4);
    expect(names[1]).toMatch(/_2$/);
    expect(names[2]).toBe(`${'a'.repeat(32)}__tool`);
  });

  it('cannot make two servers collide: server names have no "__" and no trailing "_"', () => {
    for (const good of ['git', 'my-files', 'my_files', 'a1', 'A-b_c']) expect(Value.Check(McpServerName, good), good).toBe(true);
    for (const bad of ['a__b', 'a_', '_a', '-a', 'a-', 'a b', 'a.b', '', 'x'.repeat(33), '__proto__']) expect(Value.Check(McpServerName, bad), bad).toBe(false);
  });

  it('checks server configurations strictly', () => {
    expect(Value.Check(McpServerConfig, { name: 'x', transport: 'stdio', command: 'node', env: { OK_NAME: 'v' } })).toBe(true);
    expect(Value.Check(McpServerConfig, { name: 'x', transport: 'stdio', command: 'node', env: { 'bad-name': 'v' } })).toBe(false);
    expect(Value.Check(McpServerConfig, { name: 'x', transport: 'streamable-http', url: 'https://a/mcp', headers: { 'bad header': 'v' } })).toBe(false);
    expect(Value.Check(McpServerConfig, { name: 'x', transport: 'streamable-http', command: 'node', url: 'https://a/mcp' })).toBe(false);
  });
});

describe('MCP results as tool results', () => {
  it('joins text, names what cannot be shown, and keeps isError', () => {
    expect(toToolResult({ content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] })).toEqual({ content: 'a\nb' });
    expect(toToolResult({ content: [{ type: 'audio', mimeType: 'audio/wav', data: 'AAAA' }, { type: 'resource_link', uri: 'file:///x', name: 'x' }] }))
      .toEqual({ content: '[audio audio/wav, 3 bytes: not shown]\n[link: file:///x (x)]' });
    expect(toToolResult({ content: [{ type: 'resource', resource: { uri: 'file:///a', text: 'inside' } }] })).toEqual({ content: 'inside' });
    expect(toToolResult({ content: [], structuredContent: { n: 1 } })).toEqual({ content: '{"n":1}' });
    expect(toToolResult({ toolResult: { old: true } })).toEqual({ content: '{"old":true}' });
    expect(toToolResult({ content: [], isError: true })).toEqual({ isError: true, content: 'The tool failed without saying why.' });
  });

  it('cuts long results with a marker', () => {
    expect(toToolResult({ content: [{ type: 'text', text: 'z'.repeat(50) }] }, 10)).toEqual({ content: 'zzzzzzzzzz\n[truncated: showing the first 10 of 50 characters]' });
  });
});
