#!/usr/bin/env python3
"""Reference fragments for the prompt attention tests, computed by AUTOMATIC1111's own parser.

engine/src/test/resources/reference/text/prompt_attention.json holds, for each prompt below, what
parse_prompt_attention of AUTOMATIC1111's stable-diffusion-webui (modules/prompt_parser.py, AGPL-3.0)
returns for it, or the error it raises. This script does not copy that code: it imports the module
from a checkout given on the command line and runs it.

The module imports `lark` (for prompt editing, which parse_prompt_attention does not use) and, when
imported rather than run, `torch`; both are replaced here by empty stand-ins, so only the standard
library is needed.

Usage:
    /usr/bin/python3 make_prompt_attention_refs.py --a1111-src PATH/TO/stable-diffusion-webui \
        --a1111-commit SHA --out prompt_attention.json
"""
import argparse
import importlib.util
import json
import math
import platform
import sys
import types

# Each line of the syntax, its edge cases and its interplay: the parser's own doctests first.
CASES = [
    # the docstring examples of parse_prompt_attention
    "normal text",
    "an (important) word",
    "(unbalanced",
    "\\(literal\\]",
    "(unnecessary)(parens)",
    "a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).",
    # emphasis and de-emphasis, nested
    "(word)", "((word))", "(((word)))", "[word]", "[[word]]", "[[[word]]]",
    "a ((b) c) d", "((a) [b] (c:1.5))",
    # explicit weights
    "(word:1.3)", "(word:0)", "(word:-1)", "(word:.5)", "(word:1.)", "(word:+1.5)", "(word:-0)",
    "(word:00001.5000)", "((word:1.3):1.3)", "[(word:2)]", "(word: 1.2)", "(word:1.2 )", "(word :1.2)",
    "(word:1e5)", "(word:1,5)", "(a::1.2)", "(a:b:1.2)", "(a:b)",
    # a weight the regex takes but float() refuses, and one never closed
    "(a:1.2.3)", "(a:.)", "(a:..5)", "(a:+.)", "x (a:1.2.3", "a:1.2.3)", ":1.5)", "(:1.5)",
    # weights too large for a double, and what they do with zero
    "(a:" + "9" * 400 + ")", "((a:0):" + "9" * 400 + ")",
    # digits of other scripts (Python's \d and float() take any Unicode decimal digit)
    "(a:\u0661.\u0665)", "(a:\uff11.\uff15)", "(a:\U0001D7CF.\U0001D7D3)",
    # equal weights join, nearly equal ones do not
    "(a)(b)", "(a:1.1)(b)", "(a:1.21)((b))", "([a])", "[(a)]", "(a)[b]", "(a:1.2)(b:1.2)",
    # unbalanced and crossed brackets
    "((a)", "a)", "a]", "[a", ")(", "][", "([a)]", "[(a])", "(a[b)c]d", "(a(b(c(d)))", "(((", ")))",
    "()", "[]", "[]()", "(()())", "((((((((((((((((((((a))))))))))))))))))))", "[" * 25 + "a",
    # escapes, and a backslash before anything else (dropped)
    "\\\\", "a\\b", "\\:", "\\", "end\\", "(\\(a\\))", "\\((a)\\)", "\\[x\\]", "(a\\)b)", "\\\\(a)",
    # empty and blank
    "", "   ", "\n",
    # BREAK: alone, at the edges, repeated, inside words, in brackets, with other white space
    "BREAK", "a BREAK b", "BREAK a", "a BREAK", "a BREAK BREAK b", "BREAK BREAK", "BREAKFAST",
    "a BREAKfast", "aBREAK b", "BREAK_x", "BREAK1 x", "x 1BREAK", "break lower", "Break mixed",
    "a\tBREAK\nb", "a  BREAK  ", "a,BREAK,b", "(a BREAK b)", "[BREAK]", "(a BREAK b:0)",
    "a\u00a0BREAK\u3000b", "a\x1cBREAK b", "a BREAK\u200bb", "\u00e9BREAK x", "e\u0301BREAK x",
    "\u65e5\u672cBREAK", "\U00020000BREAK x", "x BREAK\U0001F431", "(a) BREAK [b]",
    # text of other scripts, emoji, colons in plain text
    "(\u732b:1.2), \u72ac", "(\U0001F431:1.3) and [\U0001F436]", "a:b", "time 12:30, a : b",
    # a realistic prompt as artists write it
    "masterpiece, best quality, (ultra detailed:1.2), [blurry], {sharp}, ((red hair)), "
    "(blue eyes:0.8), [[low quality]], \\(artist\\), BREAK landscape, (sunset:1.4)",
]


def load_prompt_parser(a1111_src):
    lark = types.ModuleType("lark")
    lark.Lark = lambda *args, **kwargs: None  # the prompt-editing grammar, built at import time
    sys.modules["lark"] = lark
    sys.modules["torch"] = types.ModuleType("torch")
    spec = importlib.util.spec_from_file_location("a1111_prompt_parser", f"{a1111_src}/modules/prompt_parser.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def number(w):
    # JSON has no infinities or NaN: those are written as strings Java's Double.parseDouble reads.
    w = float(w)
    if math.isnan(w):
        return "NaN"
    if math.isinf(w):
        return "Infinity" if w > 0 else "-Infinity"
    return w


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a1111-src", required=True, help="a stable-diffusion-webui checkout (holding modules/prompt_parser.py)")
    ap.add_argument("--a1111-commit", required=True, help="the commit of that checkout, recorded in the output")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    parser = load_prompt_parser(args.a1111_src)
    cases = []
    for prompt in CASES:
        case = {"prompt": prompt}
        try:
            case["fragments"] = [[text, number(weight)] for text, weight in parser.parse_prompt_attention(prompt)]
        except Exception as e:  # what the web UI would fail with
            case["error"] = f"{type(e).__name__}: {e}"
        cases.append(case)

    doc = {
        "source": {
            "repository": "AUTOMATIC1111/stable-diffusion-webui",
            "file": "modules/prompt_parser.py",
            "function": "parse_prompt_attention",
            "commit": args.a1111_commit,
            "python": platform.python_version(),
        },
        "cases": cases,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=True, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases, {sum('error' in c for c in cases)} errors -> {args.out}")


if __name__ == "__main__":
    main()
