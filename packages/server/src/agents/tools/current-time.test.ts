import { describe, expect, it } from 'vitest';
import { createCurrentTimeTool } from './current-time.js';

const context = { ownerId: 'u1', signal: new AbortController().signal };
const fixed = new Date('2024-07-01T10:30:15.250Z');
const tool = createCurrentTimeTool({ now: () => fixed });

async function answer(args: Record<string, unknown>) {
  const result = await tool.execute(args, context);
  expect(result.isError).toBeFalsy();
  return JSON.parse(result.content) as Record<string, unknown>;
}

describe('current_time tool', () => {
  it('answers in a named time zone with its offset', async () => {
    expect(await answer({ timezone: 'Europe/Berlin' })).toEqual({
      timezone: 'Europe/Berlin', local: '2024-07-01T12:30:15+02:00', weekday: 'Monday', utc: '2024-07-01T10:30:15.250Z', unix_ms: fixed.getTime(),
    });
    expect((await answer({ timezone: 'America/New_York' })).local).toBe('2024-07-01T06:30:15-04:00');
    expect((await answer({ timezone: 'Asia/Kolkata' })).local).toBe('2024-07-01T16:00:15+05:30');
    expect((await answer({ timezone: 'UTC' })).local).toBe('2024-07-01T10:30:15+00:00');
  });

  it('crosses the date line', async () => {
    expect(await answer({ timezone: 'Pacific/Kiritimati' })).toMatchObject({ local: '2024-07-02T00:30:15+14:00', weekday: 'Tuesday' });
  });

  it('uses the server time zone when none is given', async () => {
    expect((await answer({})).timezone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it('refuses unknown time zones and bad arguments with a message', async () => {
    expect(await tool.execute({ timezone: 'Mars/Olympus' }, context)).toEqual({ isError: true, content: expect.stringMatching(/Unknown time zone "Mars\/Olympus"; use an IANA name/) });
    expect(await tool.execute({ timezone: 5 }, context)).toMatchObject({ isError: true, content: expect.stringMatching(/"timezone" must be a string/) });
    expect(await tool.execute({ timezone: '' }, context)).toMatchObject({ isError: true, content: expect.stringMatching(/must not be empty/) });
    expect(await tool.execute({ zone: 'UTC' }, context)).toMatchObject({ isError: true, content: expect.stringMatching(/Unknown argument "zone"; this tool takes: timezone/) });
  });
});
