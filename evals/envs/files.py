"""An in-memory file system: text files under absolute POSIX paths."""

from __future__ import annotations

import copy
import posixpath
from typing import Any


class FileSystem:
    """Text files in memory. Directories exist when a file lies under them or `make_dir` made them.

    Initial state: `{"files": {"/path/name.txt": "content", ...}, "dirs": ["/empty", ...]}`.
    """

    def __init__(self, files: dict[str, str] | None = None, dirs: list[str] | None = None) -> None:
        self._files: dict[str, str] = {}
        self._dirs: set[str] = {"/"}
        for d in dirs or []:
            self._add_dir(self._path(d))
        for path, content in (files or {}).items():
            self._put(self._path(path), content)

    def _snapshot(self) -> dict[str, Any]:
        return {"files": copy.deepcopy(self._files), "dirs": sorted(self._dirs)}

    @staticmethod
    def _path(path: str) -> str:
        if not isinstance(path, str) or not path.strip():
            raise ValueError("A path must be a non-empty string such as '/notes/todo.txt'.")
        return posixpath.normpath(posixpath.join("/", path.strip()))

    def _add_dir(self, path: str) -> None:
        while path not in self._dirs:
            self._dirs.add(path)
            path = posixpath.dirname(path)

    def _put(self, path: str, content: str) -> None:
        if path in self._dirs:
            raise ValueError(f"{path} is a directory; give a file path inside it.")
        self._add_dir(posixpath.dirname(path))
        self._files[path] = content

    def _file(self, path: str) -> str:
        p = self._path(path)
        if p not in self._files:
            hint = " (it is a directory)" if p in self._dirs else "; list_dir shows what exists"
            raise ValueError(f"No file {p}{hint}.")
        return p

    def list_dir(self, path: str = "/") -> list[str]:
        """List the entries of a directory; sub-directories end with a slash.

        Args:
            path: The directory, e.g. '/' or '/projects'.
        """
        p = self._path(path)
        if p not in self._dirs:
            raise ValueError(f"No directory {p}.")
        names = {posixpath.basename(f) for f in self._files if posixpath.dirname(f) == p}
        names |= {posixpath.basename(d) + "/" for d in self._dirs if d != p and posixpath.dirname(d) == p}
        return sorted(names)

    def read_file(self, path: str) -> str:
        """Read a text file.

        Args:
            path: The file's path, e.g. '/notes/todo.txt'.
        """
        return self._files[self._file(path)]

    def write_file(self, path: str, content: str) -> str:
        """Create a file or replace its content; missing parent directories are created.

        Args:
            path: The file's path.
            content: The full new content.
        """
        p = self._path(path)
        self._put(p, content)
        return f"wrote {len(content)} characters to {p}"

    def append_file(self, path: str, content: str) -> str:
        """Add text to the end of an existing file.

        Args:
            path: The file's path.
            content: The text to add (include a leading newline if you want one).
        """
        p = self._file(path)
        self._files[p] += content
        return f"appended {len(content)} characters to {p}"

    def delete_file(self, path: str) -> str:
        """Delete a file.

        Args:
            path: The file's path.
        """
        p = self._file(path)
        del self._files[p]
        return f"deleted {p}"

    def move_file(self, source: str, destination: str) -> str:
        """Move or rename a file. If the destination is a directory, the file keeps its name.

        Args:
            source: The file to move.
            destination: The new path, or an existing directory.
        """
        src = self._file(source)
        dst = self._path(destination)
        if dst in self._dirs:
            dst = posixpath.join(dst, posixpath.basename(src))
        if dst in self._files:
            raise ValueError(f"{dst} already exists; delete it first or pick another name.")
        self._put(dst, self._files.pop(src))
        return f"moved {src} to {dst}"

    def copy_file(self, source: str, destination: str) -> str:
        """Copy a file. If the destination is a directory, the copy keeps the file's name.

        Args:
            source: The file to copy.
            destination: The new path, or an existing directory.
        """
        src = self._file(source)
        dst = self._path(destination)
        if dst in self._dirs:
            dst = posixpath.join(dst, posixpath.basename(src))
        self._put(dst, self._files[src])
        return f"copied {src} to {dst}"

    def make_dir(self, path: str) -> str:
        """Create a directory (and its missing parents).

        Args:
            path: The directory to create.
        """
        p = self._path(path)
        if p in self._files:
            raise ValueError(f"{p} is a file.")
        self._add_dir(p)
        return f"created {p}"

    def search_files(self, text: str, path: str = "/") -> list[str]:
        """Find the files under a directory whose content contains some text (case-insensitive).

        Args:
            text: The text to look for.
            path: The directory to search, recursively.
        """
        root = self._path(path)
        prefix = root if root.endswith("/") else root + "/"
        return sorted(
            f
            for f, content in self._files.items()
            if f.startswith(prefix) and text.lower() in content.lower()
        )

    def file_info(self, path: str) -> dict[str, int]:
        """Size of a file in characters, lines and words.

        Args:
            path: The file's path.
        """
        content = self._files[self._file(path)]
        return {"characters": len(content), "lines": len(content.splitlines()), "words": len(content.split())}
