"""Reading unified diffs down to the lines a pull request adds."""

from __future__ import annotations

from grimoire_bot.matching import parse_added_lines

DIFF = """diff --git a/src/app.py b/src/app.py
index 3b18e51..a9c2f10 100644
--- a/src/app.py
+++ b/src/app.py
@@ -1,4 +1,5 @@
 import os
-import sys
+import json
+++counter  # an added line that starts with two plus signs
{context_blank}
 def main():
@@ -20 +21,2 @@ def main():
-    print(sys.argv)
+    print(json.dumps(os.environ))
+    return 0
\\ No newline at end of file
diff --git a/old.txt b/old.txt
deleted file mode 100644
--- a/old.txt
+++ /dev/null
@@ -1,2 +0,0 @@
-gone
-too
diff --git a/docs/new page.md b/docs/new page.md
new file mode 100644
--- /dev/null
+++ b/docs/new page.md
@@ -0,0 +1,2 @@
+# Title
+text
""".format(context_blank=" ")  # a context line for an empty line is a single space


def test_added_lines_carry_their_line_number_in_the_new_file() -> None:
    assert parse_added_lines(DIFF) == {
        "src/app.py": [
            (2, "import json"),
            (3, "++counter  # an added line that starts with two plus signs"),
            (21, "    print(json.dumps(os.environ))"),
            (22, "    return 0"),
        ],
        "docs/new page.md": [(1, "# Title"), (2, "text")],
    }


def test_deleted_files_and_empty_input_add_nothing() -> None:
    assert parse_added_lines("") == {}
    assert "old.txt" not in parse_added_lines(DIFF)


def test_git_quoted_paths_are_decoded() -> None:
    diff = '--- "a/caf\\303\\251.txt"\n+++ "b/caf\\303\\251.txt"\n@@ -0,0 +1 @@\n+bonjour\n'
    assert parse_added_lines(diff) == {"caf\u00e9.txt": [(1, "bonjour")]}


def test_crlf_diffs_read_the_same() -> None:
    assert parse_added_lines(DIFF.replace("\n", "\r\n")) == parse_added_lines(DIFF)
