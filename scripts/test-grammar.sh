#!/usr/bin/env bash
# Runs the VS Code grammar's test file (editors/vscode/tests/*.test.dpl) through
# vscode-tmgrammar-test when it is installed (`npm install` in editors/vscode, or a global
# install); otherwise says it skipped. The Swift suite checks the same file either way
# (GrammarTests), with its own small TextMate tokenizer.
set -euo pipefail
cd "$(dirname "$0")/../editors/vscode"
# Every regex of the grammar compiles with Python's re too (a second dialect beside ICU's).
python3 - <<'PY'
import json, re
def regexes(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("match", "begin", "end"):
                yield value
            else:
                yield from regexes(value)
    elif isinstance(node, list):
        for value in node:
            yield from regexes(value)
found = list(regexes(json.load(open("syntaxes/dpl.tmLanguage.json"))))
for pattern in found:
    re.compile(pattern)
print(f"grammar: {len(found)} regexes compile")
PY
tool=""
if [ -x node_modules/.bin/vscode-tmgrammar-test ]; then
  tool=node_modules/.bin/vscode-tmgrammar-test
elif command -v vscode-tmgrammar-test >/dev/null 2>&1; then
  tool=vscode-tmgrammar-test
fi
if [ -z "$tool" ] || ! command -v node >/dev/null 2>&1; then
  echo "grammar: skipped: vscode-tmgrammar-test is not installed (run 'npm install' in editors/vscode); GrammarTests in the Swift suite checked the grammar" >&2
  exit 0
fi
"$tool" --grammar syntaxes/dpl.tmLanguage.json 'tests/*.test.dpl'
