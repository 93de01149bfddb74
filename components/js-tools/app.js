// MCP tools written in JavaScript: a component of the `tool-only` world (wit/mcp/mcp.wit).
//
// Build: scripts/build-polyglot.sh (componentize-js, without its http and fetch-event
// features -> target/wasm/js_tools.wasm).
//
// Tools:
// - js_uppercase: `text` in upper case.
// - js_sum: the sum of `numbers`; text content plus structured content {"sum": x},
//   described by an output schema.
//
// Bindings (componentize-js): records are objects with camelCase fields, `option` is
// the value or undefined, variants are { tag, val }, u64 is a BigInt; a `result` export
// returns its ok value and throws its err value.
import { log } from 'outrigger:mcp/client@0.1.0';

const annotations = JSON.stringify({ readOnlyHint: true, idempotentHint: true, openWorldHint: false });

const TOOLS = [
  {
    name: 'js_uppercase',
    title: 'Upper case (JavaScript)',
    description: 'Returns the text in upper case.',
    inputSchema: JSON.stringify({
      type: 'object',
      properties: { text: { type: 'string', description: 'The text to upper-case' } },
      required: ['text'],
      additionalProperties: false,
    }),
    outputSchema: undefined,
    annotations,
  },
  {
    name: 'js_sum',
    title: 'Sum (JavaScript)',
    description: 'Adds up a list of numbers.',
    inputSchema: JSON.stringify({
      type: 'object',
      properties: {
        numbers: { type: 'array', items: { type: 'number' }, description: 'The numbers to add' },
      },
      required: ['numbers'],
      additionalProperties: false,
    }),
    outputSchema: JSON.stringify({
      type: 'object',
      properties: { sum: { type: 'number' } },
      required: ['sum'],
    }),
    annotations,
  },
];

function invalid(message) {
  return { tag: 'invalid-arguments', val: message };
}

function parseArguments(argumentsJson) {
  let args;
  try {
    args = JSON.parse(argumentsJson);
  } catch (e) {
    throw invalid(`arguments are not JSON: ${e.message}`);
  }
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    throw invalid('arguments must be a JSON object');
  }
  return args;
}

function text(value) {
  return { tag: 'text', val: value };
}

export const tools = {
  listTools() {
    return TOOLS;
  },

  callTool(name, argumentsJson, ctx) {
    switch (name) {
      case 'js_uppercase': {
        const args = parseArguments(argumentsJson);
        if (typeof args.text !== 'string') throw invalid('expected {"text": string}');
        log(ctx.token, 'info', JSON.stringify({ tool: 'js_uppercase', chars: args.text.length }));
        return { content: [text(args.text.toUpperCase())], structuredContent: undefined, isError: false };
      }
      case 'js_sum': {
        const args = parseArguments(argumentsJson);
        const numbers = args.numbers;
        if (!Array.isArray(numbers) || !numbers.every((n) => typeof n === 'number' && Number.isFinite(n))) {
          throw invalid('expected {"numbers": [number, ...]}');
        }
        const sum = numbers.reduce((a, b) => a + b, 0);
        return {
          content: [text(String(sum))],
          structuredContent: JSON.stringify({ sum }),
          isError: false,
        };
      }
      default:
        throw { tag: 'unknown-tool' };
    }
  },
};
