"""Multi-step tasks on the in-memory file system."""

from __future__ import annotations

from typing import Any

from evals.checks import ForbiddenCalls
from evals.matching import CallPattern
from evals.suites._build import absent, answer_contains, called, calls, gold, lines, same_text, state, where
from evals.tasks import EnvSpec, Task, Turn

FILES: dict[str, Any] = {
    "files": {
        "/notes/todo.txt": "buy milk\ncall Ana\n",
        "/notes/ideas.md": "# Ideas\n- garden robot\n",
        "/projects/alpha/README.md": "Alpha project. Status: draft.\n",
        "/projects/alpha/main.py": "print('alpha')\n",
        "/projects/beta/README.md": "Beta project. Status: released. Owner: Ben.\n",
        "/logs/app.log": "INFO start\nERROR disk full\nINFO retry\nERROR timeout\n",
        "/logs/old.log": "INFO archived\n",
        "/tmp/scratch.txt": "temporary\n",
    },
    "dirs": ["/archive"],
}
ENV = EnvSpec(name="files", state=FILES)
F = "files"
NO_WRITES = ForbiddenCalls(
    calls=[
        CallPattern(name=n, allow_extra=True)
        for n in ("write_file", "append_file", "delete_file", "move_file")
    ]
)


def has_lines(path: str, expected: list[str]) -> Any:
    return where(
        f"{path} has lines {expected}", lambda files: path in files and lines(files[path]) == expected, F
    )


def text_is(path: str, expected: str) -> Any:
    return where(
        f"{path} reads {expected!r}", lambda files: path in files and same_text(files[path], expected), F
    )


TASKS = [
    Task.single(
        id="files-append-todo",
        env=ENV,
        prompt=(
            "Add 'water plants' as a new line at the end of /notes/todo.txt, then read the "
            "file back to check it."
        ),
        gold=[
            gold("append_file", path="/notes/todo.txt", content="water plants\n"),
            gold("read_file", path="/notes/todo.txt"),
        ],
        checks=[has_lines("/notes/todo.txt", ["buy milk", "call Ana", "water plants"])],
        tags=[F, "write"],
    ),
    Task.single(
        id="files-archive-scratch",
        env=ENV,
        prompt="Move /tmp/scratch.txt into the /archive directory, then list /archive to confirm.",
        gold=[
            gold("move_file", source="/tmp/scratch.txt", destination="/archive"),
            gold("list_dir", path="/archive"),
        ],
        checks=[state(F, "/archive/scratch.txt", equals="temporary\n"), absent(F, "/tmp/scratch.txt")],
        tags=[F, "write"],
    ),
    Task.single(
        id="files-error-logs",
        env=ENV,
        prompt=(
            "Find the log files under /logs that contain 'ERROR' and write their paths, one "
            "per line, to /reports/errors.txt."
        ),
        gold=[
            gold("search_files", text="ERROR", path="/logs"),
            gold("write_file", path="/reports/errors.txt", content="/logs/app.log\n"),
        ],
        checks=[has_lines("/reports/errors.txt", ["/logs/app.log"])],
        tags=[F, "search"],
    ),
    Task.single(
        id="files-log-stats",
        env=ENV,
        prompt=(
            "How many lines does /logs/app.log have, and how many of them are errors? "
            "Write the answer as 'lines=N errors=M' to /reports/log_stats.txt."
        ),
        gold=[
            gold("read_file", path="/logs/app.log"),
            gold("write_file", path="/reports/log_stats.txt", content="lines=4 errors=2"),
        ],
        checks=[text_is("/reports/log_stats.txt", "lines=4 errors=2")],
        tags=[F, "reasoning"],
    ),
    Task.single(
        id="files-backup-readmes",
        env=ENV,
        prompt=(
            "Back up the README.md of every project under /projects into /archive, "
            "named <project>_README.md (for example alpha_README.md)."
        ),
        gold=[
            gold("list_dir", path="/projects"),
            gold("copy_file", source="/projects/alpha/README.md", destination="/archive/alpha_README.md"),
            gold("copy_file", source="/projects/beta/README.md", destination="/archive/beta_README.md"),
        ],
        checks=[
            state(F, "/archive/alpha_README.md", equals="Alpha project. Status: draft.\n"),
            state(F, "/archive/beta_README.md", equals="Beta project. Status: released. Owner: Ben.\n"),
            state(F, "/projects/alpha/README.md", equals="Alpha project. Status: draft.\n"),
        ],
        tags=[F, "write"],
    ),
    Task.single(
        id="files-delete-clean-logs",
        env=ENV,
        prompt="Delete every log file in /logs that contains no ERROR line. Keep the others.",
        gold=[
            gold("list_dir", path="/logs"),
            gold("search_files", text="ERROR", path="/logs"),
            gold("delete_file", path="/logs/old.log"),
        ],
        checks=[absent(F, "/logs/old.log"), where("app.log kept", lambda f: "/logs/app.log" in f, F)],
        tags=[F, "search"],
    ),
    Task.single(
        id="files-rename-ideas",
        env=ENV,
        prompt="Rename /notes/ideas.md to /notes/ideas_2026.md and add the line '- solar kettle' at its end.",
        gold=[
            gold("move_file", source="/notes/ideas.md", destination="/notes/ideas_2026.md"),
            gold("append_file", path="/notes/ideas_2026.md", content="- solar kettle\n"),
        ],
        checks=[
            has_lines("/notes/ideas_2026.md", ["# Ideas", "- garden robot", "- solar kettle"]),
            absent(F, "/notes/ideas.md"),
        ],
        tags=[F, "write"],
    ),
    Task.single(
        id="files-new-project",
        env=ENV,
        prompt=(
            "Start a project 'gamma' next to alpha: /projects/gamma/README.md saying "
            "'Gamma project. Status: draft.' and a main.py like alpha's main.py but printing gamma."
        ),
        gold=[
            gold("read_file", path="/projects/alpha/main.py"),
            gold("write_file", path="/projects/gamma/README.md", content="Gamma project. Status: draft.\n"),
            gold("write_file", path="/projects/gamma/main.py", content="print('gamma')\n"),
        ],
        checks=[
            text_is("/projects/gamma/README.md", "Gamma project. Status: draft."),
            text_is("/projects/gamma/main.py", "print('gamma')"),
        ],
        tags=[F, "write"],
    ),
    Task.single(
        id="files-released-project",
        env=ENV,
        prompt=(
            "Which project under /projects has the status 'released', and who owns it? Do "
            "not change any file."
        ),
        gold=[
            gold("search_files", text="released", path="/projects"),
            gold("read_file", path="/projects/beta/README.md"),
        ],
        gold_answer="The beta project is released; its owner is Ben.",
        checks=[answer_contains("beta"), answer_contains("ben"), NO_WRITES],
        tags=[F, "read-only"],
    ),
    Task.single(
        id="files-promote-alpha",
        env=ENV,
        prompt=(
            "In /projects/alpha/README.md, change the status from draft to review; keep the rest of the text."
        ),
        gold=[
            gold("read_file", path="/projects/alpha/README.md"),
            gold("write_file", path="/projects/alpha/README.md", content="Alpha project. Status: review.\n"),
        ],
        checks=[text_is("/projects/alpha/README.md", "Alpha project. Status: review.")],
        tags=[F, "write"],
    ),
    Task.single(
        id="files-word-count",
        env=ENV,
        prompt=(
            "Count the words of /notes/ideas.md and /notes/todo.txt together and write just "
            "the total to /reports/words.txt."
        ),
        gold=[
            gold("file_info", path="/notes/ideas.md"),
            gold("file_info", path="/notes/todo.txt"),
            gold("write_file", path="/reports/words.txt", content="9"),
        ],
        checks=[text_is("/reports/words.txt", "9")],
        tags=[F, "reasoning"],
    ),
    Task.single(
        id="files-merge-logs",
        env=ENV,
        prompt=(
            "Merge /logs/app.log and then /logs/old.log into /archive/all.log, then delete the two originals."
        ),
        gold=[
            gold("read_file", path="/logs/app.log"),
            gold("read_file", path="/logs/old.log"),
            gold(
                "write_file",
                path="/archive/all.log",
                content="INFO start\nERROR disk full\nINFO retry\nERROR timeout\nINFO archived\n",
            ),
            gold("delete_file", path="/logs/app.log"),
            gold("delete_file", path="/logs/old.log"),
        ],
        checks=[
            has_lines(
                "/archive/all.log",
                ["INFO start", "ERROR disk full", "INFO retry", "ERROR timeout", "INFO archived"],
            ),
            absent(F, "/logs/app.log"),
            absent(F, "/logs/old.log"),
        ],
        max_steps=10,
        tags=[F, "write"],
    ),
    Task(
        id="files-shopping-list",
        env=ENV,
        turns=[
            Turn(
                user="Create /notes/shopping.txt containing the line 'eggs'.",
                gold=[gold("write_file", path="/notes/shopping.txt", content="eggs\n")],
                checks=[has_lines("/notes/shopping.txt", ["eggs"])],
            ),
            Turn(
                user="Now add 'bread' on a new line, then tell me how many lines the file has.",
                gold=[
                    gold("append_file", path="/notes/shopping.txt", content="bread\n"),
                    gold("file_info", path="/notes/shopping.txt"),
                ],
                gold_answer="The file has 2 lines.",
                checks=[has_lines("/notes/shopping.txt", ["eggs", "bread"]), answer_contains("2", "two")],
            ),
        ],
        tags=[F, "multi-turn"],
    ),
    Task.single(
        id="files-empty-tmp",
        env=EnvSpec(name="files", state={**FILES, "files": {**FILES["files"], "/tmp/cache.bin": "xx"}}),
        prompt="Move every file in /tmp into /archive, then check that /tmp is empty.",
        gold=[
            gold("list_dir", path="/tmp"),
            gold("move_file", source="/tmp/cache.bin", destination="/archive"),
            gold("move_file", source="/tmp/scratch.txt", destination="/archive"),
            gold("list_dir", path="/tmp"),
        ],
        checks=[
            where("/tmp holds no file", lambda f: not any(p.startswith("/tmp/") for p in f), F),
            state(F, "/archive/cache.bin", equals="xx"),
            state(F, "/archive/scratch.txt", equals="temporary\n"),
            calls(called("list_dir", path=["/tmp", "/tmp/"])),
        ],
        tags=[F, "write"],
    ),
]
