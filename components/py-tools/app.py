"""MCP tools written in Python: a component of the `tool-only` world (wit/mcp/mcp.wit).

Build: scripts/build-polyglot.sh (componentize-py -> target/wasm/py_tools.wasm).

Tools:
- word_count: counts the words of `text`; text content plus structured content
  {"words": n}, described by an output schema.
- py_reverse: reverses `text`; logs the call through the imported `client` interface.
"""

import json

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import client
from wit_world.imports.types import (
    CallContext,
    CallResult,
    Content_Text,
    Tool,
    ToolError_InvalidArguments,
    ToolError_UnknownTool,
)


def _text_schema(description: str) -> str:
    return json.dumps(
        {
            "type": "object",
            "properties": {"text": {"type": "string", "description": description}},
            "required": ["text"],
            "additionalProperties": False,
        }
    )


TOOLS = [
    Tool(
        name="word_count",
        title="Word count",
        description="Counts the words (runs of non-whitespace) in a text.",
        input_schema=_text_schema("The text whose words to count"),
        output_schema=json.dumps(
            {
                "type": "object",
                "properties": {"words": {"type": "integer", "minimum": 0}},
                "required": ["words"],
            }
        ),
        annotations=json.dumps({"readOnlyHint": True, "idempotentHint": True, "openWorldHint": False}),
    ),
    Tool(
        name="py_reverse",
        title="Reverse (Python)",
        description="Reverses a string, character by character.",
        input_schema=_text_schema("The string to reverse"),
        output_schema=None,
        annotations=json.dumps({"readOnlyHint": True, "idempotentHint": True, "openWorldHint": False}),
    ),
]


def _text_argument(arguments: str) -> str:
    try:
        args = json.loads(arguments)
    except ValueError as e:
        raise Err(ToolError_InvalidArguments(f"arguments are not JSON: {e}"))
    if not isinstance(args, dict) or not isinstance(args.get("text"), str):
        raise Err(ToolError_InvalidArguments('expected {"text": string}'))
    return args["text"]


class Tools(exports.Tools):
    def list_tools(self) -> list[Tool]:
        return TOOLS

    def call_tool(self, name: str, arguments: str, ctx: CallContext) -> CallResult:
        if name == "word_count":
            words = len(_text_argument(arguments).split())
            return CallResult(
                content=[Content_Text(f"{words} word{'' if words == 1 else 's'}")],
                structured_content=json.dumps({"words": words}),
                is_error=False,
            )
        if name == "py_reverse":
            text = _text_argument(arguments)
            client.log(ctx.token, "info", json.dumps({"tool": "py_reverse", "chars": len(text)}))
            return CallResult(content=[Content_Text(text[::-1])], structured_content=None, is_error=False)
        raise Err(ToolError_UnknownTool())
