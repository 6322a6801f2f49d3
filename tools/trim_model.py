#!/usr/bin/env python3
"""Writes src/api/model/kinesis-2013-12-02.json: the official Kinesis API model with its
documentation stripped, keeping member order. The server embeds it: it validates every request
against the operation's input shape, and its codecs read input and output shapes to know which
members are blobs and timestamps, so operations' outputs and every shape must stay. Run again when
the reference model changes:

    python3 tools/trim_model.py ../shared/reference/kinesis-2013-12-02.service.json
"""
import json
import pathlib
import sys

DROP = {"documentation", "documentationUrl", "examples", "contextParam", "deprecatedMessage"}


def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in DROP}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def main():
    source = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else
                          "../shared/reference/kinesis-2013-12-02.service.json")
    model = json.loads(source.read_text())
    trimmed = {"metadata": model["metadata"], "operations": strip(model["operations"]),
               "shapes": strip(model["shapes"])}
    out = pathlib.Path(__file__).resolve().parent.parent / "src/api/model/kinesis-2013-12-02.json"
    out.write_text(json.dumps(trimmed, indent=1) + "\n")
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
