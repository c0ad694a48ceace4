"""Google credentials: a service account's key, or the office's own account by OAuth.

Two modes (``google.auth`` in the settings, docs/google-akun.md):

* ``service_account``: a JSON key (file, or env var holding a path or the JSON).
  Fine for a sheet shared with it and for a *Shared Drive*; Google gives service
  accounts no Drive storage of their own, so uploads into a personal account's
  folder fail with ``storageQuotaExceeded``.
* ``oauth_user``: the office's Google account itself (a plain @gmail.com too).
  ``aduan auth google`` runs the consent once and stores the refresh token in
  ``google.token_file`` (0600, outside the repo); later runs refresh it silently
  and write the new access token back, so a run does not ask Google for one
  while the old one is still valid.

Errors at this edge become :class:`aduan.errors.ConfigError` (a person must act:
the key was deleted, the token revoked) with the one thing to do.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from aduan.config import GoogleCfg
from aduan.errors import ConfigError
from aduan.support.atomic import write_atomic

if TYPE_CHECKING:
    from google.auth.credentials import Credentials

__all__ = [
    "DRIVE_SCOPE",
    "GMAIL_SCOPE",
    "SCOPES",
    "SHEETS_SCOPE",
    "Account",
    "account_name",
    "auth_error",
    "browser_flow",
    "credentials",
    "identity",
    "load_user_token",
    "paste_flow",
    "save_token",
    "service_account_info",
    "token_path",
]

logger = logging.getLogger(__name__)

DRIVE_SCOPE = "https://www.googleapis.com/auth/drive"
SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"
GMAIL_SCOPE = "https://mail.google.com/"  # IMAP/SMTP by XOAUTH2 (optional)
EMAIL_SCOPES = ["openid", "https://www.googleapis.com/auth/userinfo.email"]
SCOPES = [DRIVE_SCOPE, SHEETS_SCOPE]
REAUTH = "jalankan `aduan auth google` lagi di server ini (lihat docs/google-akun.md)"
#: this checkout: a token file inside it could be committed
_REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Account:
    """The Google identity as configured: the ``google`` section with its paths
    resolved, and where the service-account key comes from (``google.key_*`` or the
    Sheets register's ``credentials_*``; the ``*_setting`` names go into messages).
    Built from the settings by :func:`aduan.run.wiring.google_account`."""

    conf: GoogleCfg
    token_file: Path
    client_secrets_file: Path
    base: Path  # a key path held in an environment variable is resolved against it
    key_env: str = ""
    key_file: Path | None = None
    key_env_setting: str = "google.key_env"
    key_file_setting: str = "google.key_file"
    settings_file: str = ""

    @property
    def oauth(self) -> bool:
        return self.conf.auth == "oauth_user"


def _err(account: Account, msg: str, key: str, fix: str) -> ConfigError:
    return ConfigError(msg, file=account.settings_file or None, key=key, fix=fix)


def _resolve(account: Account, raw: str) -> Path:
    p = Path(os.path.expanduser(raw))
    return p if p.is_absolute() else account.base / p


# ----------------------------------------------------------- service account
def service_account_info(account: Account) -> dict[str, Any]:
    """The service-account key as a dict: from the env var (a path or the JSON
    itself), else the key file. Its content never reaches a log or a message."""
    env, a = account.key_env, account
    raw, where, key = "", "", a.key_file_setting
    if env and os.environ.get(env):
        raw, where, key = os.environ[env].strip(), f"${env}", a.key_env_setting
    elif a.key_file is not None:
        where = str(a.key_file)
    elif env:
        raise _err(
            a,
            f"variabel lingkungan {env} tidak diisi",
            a.key_env_setting,
            f"export {env}=/path/ke/kunci-akun-layanan.json",
        )
    else:
        env_name = a.key_env_setting
        raise _err(
            a,
            "kunci akun layanan belum diatur",
            key,
            f"isi {key} (path berkas JSON di luar repo) atau {env_name}, atau pakai "
            "google.auth: oauth_user",
        )
    if not raw.startswith("{"):
        path = _resolve(a, raw) if raw else Path(where)
        try:
            raw = path.read_text(encoding="utf-8")
        except OSError as e:
            raise _err(
                a,
                f"berkas kunci {path} tidak dapat dibaca ({e.strerror})",
                key,
                "periksa path dan izin baca berkas",
            ) from None
        where = str(path)
    try:
        info = json.loads(raw)
    except ValueError:
        info = None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise _err(
            a,
            f"{where} bukan kunci JSON akun layanan Google",
            key,
            "unduh kunci JSON akun layanan (IAM → Service Accounts → Keys → Add key → JSON)",
        )
    return info


# ---------------------------------------------------------------- oauth user
def token_path(account: Account) -> Path:
    """Where the OAuth refresh token lives (``google.token_file``, resolved)."""
    return account.token_file


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def save_token(account: Account, info: dict[str, Any]) -> Path:
    """Write the token file atomically with mode 0600; refuse a path inside the
    project folder (a refresh token is a password and must never be committed)."""
    path = token_path(account)
    for root in {account.base, _REPO}:
        if (root / ".git").exists() and _inside(path, root):
            raise _err(
                account,
                f"berkas token {path} ada di dalam folder proyek {root}",
                "google.token_file",
                "simpan di luar repo, mis. ~/.config/aduan/google-token.json",
            )
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # the mode is set before the first byte: a refresh token is never readable by others
    return write_atomic(path, json.dumps(info, indent=1), mode=0o600)


def load_user_token(account: Account) -> dict[str, Any]:
    """The stored OAuth token as a dict; ConfigError saying to run the auth command."""
    path = token_path(account)
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _err(
            account,
            f"belum ada token Google di {path}",
            "google.token_file",
            "jalankan sekali: aduan auth google (lihat docs/google-akun.md)",
        ) from None
    except (OSError, ValueError) as e:
        raise _err(
            account,
            f"berkas token {path} tidak terbaca ({type(e).__name__})",
            "google.token_file",
            REAUTH,
        ) from None
    if not isinstance(info, dict) or not info.get("refresh_token"):
        raise _err(account, f"{path} tidak berisi refresh token", "google.token_file", REAUTH)
    mode = path.stat().st_mode & 0o077
    if mode:
        logger.warning("token file %s is readable by others (mode %o): chmod 600", path, mode)
    return info


def _user_credentials(account: Account, scopes: list[str] | None, token_uri: str) -> Credentials:
    from google.oauth2.credentials import Credentials

    info = load_user_token(account)

    class StoredCredentials(Credentials):
        """Writes each refreshed access token back, so the next run reuses it."""

        def refresh(self, request: Any) -> None:
            super().refresh(request)
            try:
                save_token(account, {**info, **json.loads(self.to_json())})
            except (OSError, ConfigError) as e:  # the run goes on; it only costs a refresh
                logger.warning("could not store the refreshed Google token: %s", e)

    try:
        # google-auth always uses Google's token endpoint here (a token file cannot
        # send the refresh token elsewhere); only a caller (the tests) may override it
        creds = StoredCredentials.from_authorized_user_info(info)
    except (ValueError, KeyError) as e:
        raise _err(
            account, f"berkas token tidak lengkap ({e})", "google.token_file", REAUTH
        ) from None
    if token_uri:
        creds = creds.with_token_uri(token_uri)
    if scopes and creds.scopes and not set(scopes) <= set(creds.scopes):
        missing = ", ".join(sorted(set(scopes) - set(creds.scopes)))
        raise _err(
            account,
            f"token Google tidak mencakup izin {missing}",
            "google.token_file",
            REAUTH,
        )
    return creds


# ------------------------------------------------------------------- public
def credentials(
    account: Account, scopes: list[str] | None = None, *, token_uri: str = ""
) -> Credentials:
    """google-auth credentials for the configured mode (nothing is fetched yet).

    ``token_uri`` replaces Google's token endpoint for an OAuth token (tests)."""
    scopes = scopes or SCOPES
    if account.oauth:
        return _user_credentials(account, scopes, token_uri)
    from google.oauth2.service_account import Credentials

    info = service_account_info(account)
    try:
        return Credentials.from_service_account_info(info, scopes=scopes)
    except (ValueError, KeyError) as e:
        raise _err(
            account,
            f"kunci akun layanan tidak sah ({type(e).__name__})",
            account.key_file_setting,
            "buat kunci JSON baru di Google Cloud Console (IAM → Service Accounts → Keys)",
        ) from None


def identity(account: Account) -> str:
    """Who Aduan acts as, for messages: the service account or the Google account."""
    try:
        if account.oauth:
            who = load_user_token(account).get("account") or "(alamat tidak diketahui)"
            return f"akun Google {who} (OAuth)"
        return f"akun layanan {service_account_info(account).get('client_email', '?')}"
    except ConfigError:
        return "akun layanan" if not account.oauth else "akun Google"


def account_name(account: Account) -> str:
    """The address a sheet is shared with: the service account's email (ConfigError
    when its key cannot be read), or the office's Google account (OAuth)."""
    if account.oauth:
        return identity(account)
    return str(service_account_info(account).get("client_email") or "")


def auth_error(account: Account, e: Exception) -> ConfigError:
    """One clear line for a refused credential (google.auth RefreshError)."""
    text = str(e.args[0] if getattr(e, "args", None) else e)
    code = text.split(":", 1)[0].strip()
    if account.oauth:
        if code == "invalid_grant":
            return _err(
                account,
                "izin Google untuk Aduan dicabut atau kedaluwarsa (invalid_grant)",
                "google.token_file",
                REAUTH + "; bila terjadi tiap 7 hari, ubah status aplikasi OAuth "
                "dari Testing ke In production",
            )
        if code in ("invalid_client", "unauthorized_client", "deleted_client"):
            return _err(
                account,
                f"klien OAuth ditolak Google ({code})",
                "google.client_secrets_file",
                "unduh lagi client_secret JSON (jenis Desktop app), lalu " + REAUTH,
            )
        return _err(account, f"token Google ditolak ({code})", "google.token_file", REAUTH)
    return _err(
        account,
        f"Google menolak kunci akun layanan ({code})",
        account.key_file_setting,
        "kunci mungkin dihapus (buat kunci baru) atau jam server salah (periksa NTP)",
    )


def _account_of(id_token: str | None) -> str:
    """The email in the id_token Google's token endpoint just sent over TLS."""
    if not id_token:
        return ""
    try:
        from google.auth import jwt

        return str(jwt.decode(id_token, verify=False).get("email") or "")
    except Exception:  # an odd id_token only loses the display name
        return ""


def _flow(account: Account, gmail: bool, redirect_uri: str = "") -> Any:
    from google_auth_oauthlib.flow import InstalledAppFlow

    path = account.client_secrets_file
    scopes = SCOPES + EMAIL_SCOPES + ([GMAIL_SCOPE] if gmail else [])
    try:
        flow = InstalledAppFlow.from_client_secrets_file(str(path), scopes=scopes)
    except (OSError, ValueError) as e:
        raise _err(
            account,
            f"berkas klien OAuth {path} tidak terbaca ({type(e).__name__})",
            "google.client_secrets_file",
            "Google Cloud Console → APIs & Services → Credentials → Create OAuth client ID "
            "→ Desktop app → Download JSON",
        ) from None
    if redirect_uri:
        flow.redirect_uri = redirect_uri
    return flow


def _store(account: Account, creds: Any) -> str:
    info = json.loads(creds.to_json())
    if not info.get("refresh_token"):
        raise _err(
            account,
            "Google tidak mengirim refresh token",
            "google.token_file",
            "hapus akses Aduan di myaccount.google.com/permissions, lalu ulangi",
        )
    info["account"] = _account_of(getattr(creds, "id_token", None))
    path = save_token(account, info)
    return f"token disimpan di {path} (mode 0600) untuk {info['account'] or 'akun Google'}"


def browser_flow(
    account: Account, *, port: int = 0, open_browser: bool = True, gmail: bool = False
) -> str:
    """Consent through a loopback redirect (a browser on this machine, or an SSH tunnel)."""
    flow = _flow(account, gmail)
    msg = (
        "Buka alamat ini di browser dan masuk dengan akun Google kantor "
        "(Open this URL in a browser and sign in with the office account):\n\n{url}\n"
    )
    if not open_browser:
        msg += (
            f"\nServer tanpa browser? Dari laptop: ssh -L {port}:localhost:{port} <server>, "
            "lalu buka alamat di atas di laptop. / Headless: tunnel the port, then open it.\n"
        )
    creds = flow.run_local_server(
        port=port,
        open_browser=open_browser,
        authorization_prompt_message=msg,
        success_message="Aduan: izin diterima. Jendela ini boleh ditutup.",
        prompt="consent",
        access_type="offline",
    )
    return _store(account, creds)


def paste_flow(
    account: Account,
    *,
    port: int = 8765,
    gmail: bool = False,
    ask: Callable[[str], str] = input,
    say: Callable[[str], None] = print,
) -> str:
    """Consent for a headless server without a tunnel: the admin opens the address on
    any computer, and after consent pastes back the (unreachable) localhost address
    the browser landed on; the code in it is exchanged for the tokens here."""
    flow = _flow(account, gmail, redirect_uri=f"http://localhost:{port}/")
    url, state = flow.authorization_url(access_type="offline", prompt="consent")
    say(
        "1. Buka alamat ini di browser mana saja, masuk dengan akun Google kantor, izinkan.\n"
        "   (Open this URL in any browser, sign in with the office account, allow.)\n\n"
        f"{url}\n\n"
        "2. Browser lalu membuka http://localhost:... yang gagal dimuat: itu wajar.\n"
        "   Salin alamat lengkap dari bilah alamat dan tempel di sini.\n"
        "   (The page at localhost fails to load: expected. Copy its full address here.)"
    )
    pasted = ask("Alamat / URL: ").strip()
    q = parse_qs(urlsplit(pasted).query)
    if q.get("error"):
        raise _err(account, f"Google menolak izin ({q['error'][0]})", "auth", "ulangi")
    code = (q.get("code") or [""])[0] if "?" in pasted else pasted
    if not code:
        raise _err(account, "alamat tidak berisi kode", "auth", "tempel alamat lengkap")
    if q.get("state") and q["state"][0] != state:
        raise _err(account, "alamat dari sesi izin lain (state)", "auth", "ulangi perintah")
    from oauthlib.oauth2 import OAuth2Error  # type: ignore[import-untyped]

    try:
        flow.fetch_token(code=code)
    except OAuth2Error as e:
        raise _err(account, f"kode ditolak Google ({e.error})", "auth", "ulangi") from None
    return _store(account, flow.credentials)
