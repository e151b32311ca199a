import { describe, expect, it } from 'vitest';
import { ProviderError } from '../provider.js';
import { createToolCallFragments } from './tool-call-fragments.js';

const fallbackId = (index: number): string => `generated_${index}`;

describe('tool-call fragments', () => {
  it('joins arguments split across fragments by index, parallel calls interleaved', () => {
    const fragments = createToolCallFragments('test');
    fragments.add([{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }]);
    fragments.add([{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"ci' } }]);
    fragments.add([{ index: 0, function: { arguments: '{"city": "Pa' } }]);
    fragments.add([{ index: 1, function: { arguments: 'ty":"Tokyo"}' } }, { index: 0, function: { arguments: 'ris"}' } }]);
    expect(fragments.complete({ cutShort: false, fallbackId })).toEqual([
      { id: 'call_a', name: 'get_weather', arguments: { city: 'Paris' } },
      { id: 'call_b', name: 'get_time', arguments: { city: 'Tokyo' } },
    ]);
  });

  it('tolerates servers that omit the index, repeat the id and name, or send object arguments', () => {
    const fragments = createToolCallFragments('test');
    fragments.add([{ id: 'call_a', function: { name: 'get_weather', arguments: '{"city":' } }]);
    fragments.add([{ id: 'call_a', function: { name: 'get_weather', arguments: '"Paris"}' } }]);
    fragments.add([{ id: 'call_b', function: { name: 'get_time', arguments: { city: 'Tokyo' } } }]);
    expect(fragments.size).toBe(2);
    expect(fragments.complete({ cutShort: false, fallbackId })).toEqual([
      { id: 'call_a', name: 'get_weather', arguments: { city: 'Paris' } },
      { id: 'call_b', name: 'get_time', arguments: { city: 'Tokyo' } },
    ]);
  });

  it('gives calls without an id a generated one', () => {
    const fragments = createToolCallFragments('test');
    fragments.add([{ index: 0, function: { name: 'list_cities', arguments: '' } }]);
    expect(fragments.complete({ cutShort: false, fallbackId })).toEqual([{ id: 'generated_0', name: 'list_cities', arguments: {} }]);
  });

  it('rejects arguments that are not a JSON object, naming the tool and the token limit when it cut them', () => {
    const truncated = createToolCallFragments('test');
    truncated.add([{ index: 0, id: 'call_a', function: { name: 'get_weather', arguments: '{"city": "Par' } }]);
    expect(() => truncated.complete({ cutShort: true, fallbackId })).toThrow(ProviderError);
    expect(() => truncated.complete({ cutShort: true, fallbackId })).toThrow(/"get_weather" are not valid JSON \(the reply was cut at its token limit\)/);
    const array = createToolCallFragments('test');
    array.add([{ index: 0, id: 'call_a', function: { name: 'get_weather', arguments: '[1, 2]' } }]);
    expect(() => array.complete({ cutShort: false, fallbackId })).toThrow(/"get_weather" are not a JSON object/);
  });

  it('rejects a call that never got a name', () => {
    const fragments = createToolCallFragments('test');
    fragments.add([{ index: 0, id: 'call_a', function: { arguments: '{}' } }]);
    expect(() => fragments.complete({ cutShort: false, fallbackId })).toThrow(/no function name/);
  });
});
