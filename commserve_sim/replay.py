"""Serve recorded CommServe responses from a folder, as they were recorded.

A request maps to file names built from its method and its path below
`/webconsole/api`, with `/` replaced by `__` and percent-encoding kept as sent:

1. `<METHOD>__<path>@<query>.json`, the query with its parameters sorted by name
   (`GET__V2__StoragePolicy@propertyLevel=20.json`);
2. for a POST with a JSON object body, `<METHOD>__<path>#<first key>.json`
   (`POST__Qcommand__qoperation%20execute#EVGui_DDBEnginesReq.json`);
3. `<METHOD>__<path>.json`.

The first file that exists is served. A `.status` file with the same stem contains the HTTP
status (default 200).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode


class ReplayStore:
    def __init__(self, folder: Path) -> None:
        if not folder.is_dir():
            raise ValueError(
                f"--replay {folder} is not a folder: give a folder of recorded "
                "responses named like GET__V2__StoragePolicy.json."
            )
        self.folder = folder

    def candidates(
        self, method: str, api_path: str, query: str, body: Any
    ) -> list[str]:
        stem = (
            method.upper()
            + "__"
            + "__".join(part for part in api_path.strip("/").split("/") if part)
        )
        names = []
        if query:
            pairs = sorted(parse_qsl(query, keep_blank_values=True))
            names.append(f"{stem}@{urlencode(pairs)}.json")
        if method.upper() == "POST" and isinstance(body, dict) and body:
            names.append(f"{stem}#{next(iter(body))}.json")
        names.append(f"{stem}.json")
        return names

    def find(
        self, method: str, api_path: str, query: str, body: Any
    ) -> tuple[int, bytes] | None:
        """Return (status, body) of the first recorded file that exists, or None."""
        for name in self.candidates(method, api_path, query, body):
            path = self.folder / name
            if "/" in name or not path.is_file():
                continue
            status = 200
            status_path = path.with_suffix(".status")
            if status_path.is_file():
                status = int(status_path.read_text().strip() or "200")
            return status, path.read_bytes()
        return None
