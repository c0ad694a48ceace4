"""Benchmark documents on Drive against the local fake Drive server (tests/drive_fake.py).

Prints one ``name: value unit`` line per figure:

* ``drive_requests_first``: requests to upload an office's documents the first time
  (N tickets with 3 documents and 1 attachment each: per ticket one folder, then one
  upload per file, plus one token refresh);
* ``drive_requests_changed``: requests after one document was re-rendered (1 expected);
* ``drive_requests_steady``: requests of a cycle where nothing changed (0 expected);
* ``drive_scan_steady_ms``: wall time of that steady check (walk + stat + manifest) for
  the N * 4 files on disk.

Not a test: Google's latency is not simulated, so the request counts are the figures
that transfer to production.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import yaml  # noqa: E402

from aduan.config import load_settings  # noqa: E402
from aduan.google import auth as gauth  # noqa: E402
from aduan.run.wiring import drive_for, google_account  # noqa: E402
from tests.conftest import settings_dict  # noqa: E402
from tests.drive_fake import DriveServer  # noqa: E402

TICKETS = 500
USER = "bpbd.kab@gmail.com"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, DriveServer() as fake:
        root = Path(tmp)
        token = root / "rahasia" / "token.json"
        token.parent.mkdir()
        token.write_text(json.dumps(fake.user_token(USER)))
        os.chmod(token, 0o600)
        folder = fake.create_folder("Aduan", owner=USER)
        office = root / "kantor"
        office.mkdir()
        data = settings_dict(office, "bpbd")
        data["google"] = {"auth": "oauth_user", "token_file": str(token), "drive_folder_id": folder}
        (office / "settings.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
        s = load_settings(office / "settings.yaml")
        docs, atts = s.path(s.paths.documents), s.path(s.paths.attachments)
        for i in range(1, TICKETS + 1):
            t = f"2026/ADU-2026-11-{i:04d}"
            (docs / t).mkdir(parents=True)
            (atts / t).mkdir(parents=True)
            for name in ("01-formulir_aduan", "03-lembar_disposisi", "05-rencana_tindak_lanjut"):
                (docs / t / f"{name}.docx").write_bytes(os.urandom(2048))
            (atts / t / "foto.jpg").write_bytes(os.urandom(4096))

        def run() -> tuple[int, float]:
            fake.reset_counts()
            creds = gauth.credentials(google_account(s), token_uri=fake.token_uri)
            d = drive_for(s, api_base=fake.base_url, credentials=creds, backoff_s=0)
            t0 = time.perf_counter()
            try:
                res = d.sync()
                assert not res.problems, res.problems
            finally:
                d.close()
            return fake.count(), time.perf_counter() - t0

        first, _ = run()
        print(f"drive_requests_first: {first} requests ({TICKETS} tickets, {TICKETS * 4} files)")
        (docs / "2026/ADU-2026-11-0007/03-lembar_disposisi.docx").write_bytes(b"versi baru")
        changed, _ = run()
        print(f"drive_requests_changed: {changed} requests")
        steady, seconds = run()
        print(f"drive_requests_steady: {steady} requests")
        print(f"drive_scan_steady_ms: {seconds * 1000:.0f} ms ({TICKETS * 4} files)")


if __name__ == "__main__":
    main()
