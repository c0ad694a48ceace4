"""Google credentials against the fake token endpoint (tests/drive_fake.py): the
service account's JWT grant, the stored OAuth token (refresh, write-back, 0600),
revocation, and the console consent flow with a code pasted back."""

from __future__ import annotations

import json
import os
import re
import stat
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from google.auth.exceptions import RefreshError
from google.auth.transport.requests import Request

from aduan.errors import ConfigError
from aduan.google import auth as gauth
from aduan.run.wiring import google_account
from tests.drive_fake import DriveServer

SA = "aduan@kantor-123.iam.gserviceaccount.com"


@pytest.fixture
def fake():
    with DriveServer() as server:
        yield server
    assert not server.errors, server.errors


@pytest.fixture(autouse=True)
def plain_http_token_endpoint(monkeypatch):
    # oauthlib refuses a token endpoint without TLS; the fake listens on plain loopback
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture
def secrets_dir(tmp_path):
    d = tmp_path / "rahasia"  # outside the office folder (tmp_path/bpbd)
    d.mkdir()
    return d


def user_settings(make_settings, secrets_dir, **google):
    return make_settings(
        google={
            "auth": "oauth_user",
            "token_file": str(secrets_dir / "token.json"),
            **google,
        }
    )


def write_token(secrets_dir, info: dict) -> None:
    (secrets_dir / "token.json").write_text(json.dumps(info))
    os.chmod(secrets_dir / "token.json", 0o600)


def token_requests(server) -> int:
    return server.count("token")


# ------------------------------------------------------------ service account
def test_service_account_key_file_gets_a_token(make_settings, fake, secrets_dir):
    key = secrets_dir / "sa.json"
    key.write_text(json.dumps(fake.service_account(SA)))
    s = make_settings(google={"key_file": str(key)})
    creds = gauth.credentials(google_account(s))
    creds.refresh(Request())
    assert creds.valid and fake.count("token") == 1
    assert gauth.identity(google_account(s)) == f"akun layanan {SA}"


def test_service_account_key_from_env_json_or_register(make_settings, fake, monkeypatch):
    info = fake.service_account(SA)
    monkeypatch.setenv("ADUAN_SA", json.dumps(info))
    s = make_settings(google={"key_env": "ADUAN_SA"})
    assert gauth.service_account_info(google_account(s))["client_email"] == SA
    # no google key: the Sheets register's key serves Drive too
    s2 = make_settings(
        "blitar",
        register={"type": "google", "spreadsheet_id": "abc", "credentials_env": "ADUAN_SA"},
    )
    assert gauth.service_account_info(google_account(s2))["client_email"] == SA


def test_service_account_missing_or_wrong_key(make_settings, secrets_dir):
    s = make_settings()
    with pytest.raises(ConfigError, match=r"google.key_file: kunci akun layanan belum diatur"):
        gauth.credentials(google_account(s))
    bad = secrets_dir / "not-sa.json"
    bad.write_text(json.dumps({"type": "authorized_user"}))
    s = make_settings(google={"key_file": str(bad)})
    with pytest.raises(ConfigError, match="bukan kunci JSON akun layanan"):
        gauth.credentials(google_account(s))


def test_deleted_service_account_key_says_what_to_do(make_settings, fake, secrets_dir):
    key = secrets_dir / "sa.json"
    key.write_text(json.dumps(fake.service_account(SA)))
    fake.delete_key(SA)
    s = make_settings(google={"key_file": str(key)})
    with pytest.raises(RefreshError) as ei:
        gauth.credentials(google_account(s)).refresh(Request())
    msg = str(gauth.auth_error(google_account(s), ei.value))
    assert "invalid_grant" in msg and "kunci mungkin dihapus" in msg


# ------------------------------------------------------------------ oauth user
def test_no_token_file_says_run_auth(make_settings, secrets_dir):
    s = user_settings(make_settings, secrets_dir)
    with pytest.raises(ConfigError, match=r"belum ada token Google.*aduan auth google"):
        gauth.credentials(google_account(s))


def test_refresh_is_silent_and_written_back_0600(make_settings, fake, secrets_dir):
    write_token(secrets_dir, fake.user_token("bpbd.kab@gmail.com"))
    s = user_settings(make_settings, secrets_dir)
    creds = gauth.credentials(google_account(s), token_uri=fake.token_uri)
    assert not creds.valid  # no access token yet
    creds.refresh(Request())
    assert creds.valid and token_requests(fake) == 1
    stored = json.loads((secrets_dir / "token.json").read_text())
    assert stored["token"] == creds.token and stored["account"] == "bpbd.kab@gmail.com"
    assert stored["refresh_token"].startswith("1//rt-")
    assert stat.S_IMODE((secrets_dir / "token.json").stat().st_mode) == 0o600
    # the next run reuses the stored access token: no token request
    again = gauth.credentials(google_account(s), token_uri=fake.token_uri)
    assert again.valid and again.token == creds.token
    assert token_requests(fake) == 1
    assert gauth.identity(google_account(s)) == "akun Google bpbd.kab@gmail.com (OAuth)"


def test_revoked_token_one_clear_line(make_settings, fake, secrets_dir):
    info = fake.user_token("bpbd.kab@gmail.com")
    write_token(secrets_dir, info)
    fake.revoke(info["refresh_token"])
    s = user_settings(make_settings, secrets_dir)
    with pytest.raises(RefreshError) as ei:
        gauth.credentials(google_account(s), token_uri=fake.token_uri).refresh(Request())
    msg = str(gauth.auth_error(google_account(s), ei.value))
    assert "\n" not in msg
    assert "dicabut atau kedaluwarsa (invalid_grant)" in msg
    assert "jalankan `aduan auth google` lagi" in msg and "In production" in msg


def test_token_without_drive_scope_is_refused(make_settings, fake, secrets_dir):
    info = fake.user_token("x@gmail.com", scopes=["https://mail.google.com/"])
    write_token(secrets_dir, info)
    s = user_settings(make_settings, secrets_dir)
    with pytest.raises(ConfigError, match=r"tidak mencakup izin .*auth/drive"):
        gauth.credentials(google_account(s))


def test_token_file_never_inside_the_repo(make_settings, fake, tmp_path):
    office = tmp_path / "bpbd"
    office.mkdir()
    (office / ".git").mkdir()  # the office folder is a git checkout
    s = make_settings(google={"auth": "oauth_user", "token_file": str(office / "token.json")})
    with pytest.raises(ConfigError, match="di dalam folder proyek"):
        gauth.save_token(google_account(s), fake.user_token("x@gmail.com"))
    assert not (office / "token.json").exists()


def test_token_file_0600_despite_a_loose_umask(make_settings, fake, secrets_dir):
    s = user_settings(make_settings, secrets_dir, token_file=str(secrets_dir / "d" / "t.json"))
    old = os.umask(0)
    try:
        path = gauth.save_token(google_account(s), fake.user_token("x@gmail.com"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


# ---------------------------------------------------------------- consent flow
def consent_settings(make_settings, fake, secrets_dir):
    cs = secrets_dir / "client_secret.json"
    cs.write_text(json.dumps(fake.client_secrets()))
    return user_settings(make_settings, secrets_dir, client_secrets_file=str(cs))


def test_paste_flow_stores_the_refresh_token(make_settings, fake, secrets_dir):
    s = consent_settings(make_settings, fake, secrets_dir)
    shown: list[str] = []

    def browser(prompt: str) -> str:
        # what the admin does: open the URL, consent, copy the localhost address back
        url = re.search(r"https://accounts\.google\.com/\S+", shown[0]).group(0)
        q = parse_qs(urlsplit(url).query)
        assert q["access_type"] == ["offline"] and q["prompt"] == ["consent"]
        assert "https://www.googleapis.com/auth/drive" in q["scope"][0]
        assert q["redirect_uri"] == ["http://localhost:8765/"]
        code = fake.authorization_code("bpbd.kab@gmail.com")
        return f"http://localhost:8765/?state={q['state'][0]}&code={code}&scope=x"

    out = gauth.paste_flow(google_account(s), ask=browser, say=shown.append)
    assert "bpbd.kab@gmail.com" in out and "0600" in out
    stored = json.loads((secrets_dir / "token.json").read_text())
    assert stored["account"] == "bpbd.kab@gmail.com" and stored["refresh_token"]
    assert stat.S_IMODE((secrets_dir / "token.json").stat().st_mode) == 0o600
    # and the stored token works
    gauth.credentials(google_account(s), token_uri=fake.token_uri).refresh(Request())


def test_paste_flow_refuses_another_sessions_address(make_settings, fake, secrets_dir):
    s = google_account(consent_settings(make_settings, fake, secrets_dir))
    code = fake.authorization_code("x@gmail.com")
    with pytest.raises(ConfigError, match="state"):
        gauth.paste_flow(
            s, ask=lambda _: f"http://localhost:8765/?state=lain&code={code}", say=lambda _: None
        )
    with pytest.raises(ConfigError, match="access_denied"):
        gauth.paste_flow(
            s, ask=lambda _: "http://localhost:8765/?error=access_denied", say=lambda _: None
        )
    with pytest.raises(ConfigError, match="kode ditolak"):
        gauth.paste_flow(s, ask=lambda _: "4/bukan-kode", say=lambda _: None)
    assert not (secrets_dir / "token.json").exists()


def test_cli_auth_google_paste(make_settings, fake, secrets_dir):
    from aduan.cli import cli

    s = consent_settings(make_settings, fake, secrets_dir)
    code = fake.authorization_code("bpbd.kab@gmail.com")
    r = CliRunner().invoke(
        cli, ["--config", s.file, "auth", "google", "--paste"], input=code + "\n"
    )
    assert r.exit_code == 0, r.output
    assert "accounts.google.com" in r.output and "token disimpan" in r.output
    assert json.loads((secrets_dir / "token.json").read_text())["account"] == "bpbd.kab@gmail.com"


def test_cli_auth_google_without_client_file(make_settings, secrets_dir):
    from aduan.cli import cli

    s = user_settings(
        make_settings, secrets_dir, client_secrets_file=str(secrets_dir / "tidak-ada.json")
    )
    r = CliRunner().invoke(cli, ["--config", s.file, "auth", "google", "--paste"])
    assert r.exit_code == 2
    assert "google.client_secrets_file" in r.output and "Desktop app" in r.output
