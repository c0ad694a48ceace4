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
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from aduan.errors import ConfigError

if TYPE_CHECKING:
    from aduan.config import Settings

__all__ = [
    "DRIVE_SCOPE",
    "GMAIL_SCOPE",
    "SCOPES",
    "SHEETS_SCOPE",
    "auth_error",
    "browser_flow",
    "credentials",
    "identity",
    "load_user_token",
    "paste_flow",
    "save_token",
    "token_path",
]

logger = logging.getLogger(__name__)

DRIVE_SCOPE = "https://www.googleapis.com/auth/drive"
SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"
GMAIL_SCOPE = "https://mail.google.com/"  # IMAP/SMTP by XOAUTH2 (optional)
EMAIL_SCOPES = ["openid", "https://www.googleapis.com/auth/userinfo.email"]
SCOPES = [DRIVE_SCOPE, SHEETS_SCOPE]
REAUTH = "jalankan `aduan auth google` lagi di server ini (lihat docs/google-akun.md)"


def _err(settings: Settings, msg: str, key: str, fix: str) -> ConfigError:
    return ConfigError(msg, file=settings.file or None, key=key, fix=fix)


# ----------------------------------------------------------- service account
def service_account_info(settings: Settings) -> dict:
    """The key as a dict: ``google.key_env``/``key_file``, else the Sheets register's
    ``credentials_env``/``credentials_file``. Its content never reaches a message."""
    g, reg = settings.google, settings.register_
    env = g.key_env or getattr(reg, "credentials_env", "")
    file = g.key_file or getattr(reg, "credentials_file", "")
    key = "google.key_env" if g.key_env else "google.key_file"
    raw, where = "", ""
    if env and os.environ.get(env):
        raw, where = os.environ[env].strip(), f"${env}"
    elif file:
        where = str(settings.path(file))
    else:
        raise _err(
            settings,
            "kunci akun layanan belum diatur" + (f" (variabel {env} kosong)" if env else ""),
            key,
            "isi google.key_file (path berkas JSON di luar repo) atau pakai "
            "google.auth: oauth_user",
        )
    if not raw.startswith("{"):
        path = Path(os.path.expanduser(raw or where))
        try:
            raw = path.read_text(encoding="utf-8")
        except OSError as e:
            raise _err(
                settings,
                f"berkas kunci {path} tidak dapat dibaca ({e.strerror})",
                key,
                "periksa path dan izin baca",
            ) from None
        where = str(path)
    try:
        info = json.loads(raw)
    except ValueError:
        info = None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise _err(
            settings,
            f"{where} bukan kunci JSON akun layanan Google",
            key,
            "unduh kunci JSON (IAM → Service Accounts → Keys → Add key → JSON)",
        )
    return info


# ---------------------------------------------------------------- oauth user
def token_path(settings: Settings) -> Path:
    """Where the OAuth refresh token lives (``google.token_file``, ~ expanded)."""
    return settings.path(settings.google.token_file)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def save_token(settings: Settings, info: dict[str, Any]) -> Path:
    """Write the token file atomically with mode 0600; refuse a path inside the
    project folder (a refresh token is a password and must never be committed)."""
    path = token_path(settings)
    repo = Path(__file__).resolve().parents[2]
    for root in {Path(settings.base), repo}:
        if (root / ".git").exists() and _inside(path, root):
            raise _err(
                settings,
                f"berkas token {path} ada di dalam folder proyek {root}",
                "google.token_file",
                "simpan di luar repo, mis. ~/.config/aduan/google-token.json",
            )
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # the umask may only take bits away; be explicit anyway
        os.write(fd, json.dumps(info, indent=1).encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return path


def load_user_token(settings: Settings) -> dict[str, Any]:
    """The stored OAuth token as a dict; ConfigError saying to run the auth command."""
    path = token_path(settings)
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _err(
            settings,
            f"belum ada token Google di {path}",
            "google.token_file",
            "jalankan sekali: aduan auth google (lihat docs/google-akun.md)",
        ) from None
    except (OSError, ValueError) as e:
        raise _err(
            settings,
            f"berkas token {path} tidak terbaca ({type(e).__name__})",
            "google.token_file",
            REAUTH,
        ) from None
    if not isinstance(info, dict) or not info.get("refresh_token"):
        raise _err(settings, f"{path} tidak berisi refresh token", "google.token_file", REAUTH)
    mode = path.stat().st_mode & 0o077
    if mode:
        logger.warning("token file %s is readable by others (mode %o): chmod 600", path, mode)
    return info


def _user_credentials(settings: Settings, scopes: list[str] | None, token_uri: str) -> Any:
    from google.oauth2.credentials import Credentials

    info = load_user_token(settings)

    class StoredCredentials(Credentials):
        """Writes each refreshed access token back, so the next run reuses it."""

        def refresh(self, request: Any) -> None:
            super().refresh(request)
            try:
                save_token(settings, {**info, **json.loads(self.to_json())})
            except (OSError, ConfigError) as e:  # the run goes on; it only costs a refresh
                logger.warning("could not store the refreshed Google token: %s", e)

    try:
        # google-auth always uses Google's token endpoint here (a token file cannot
        # send the refresh token elsewhere); only a caller (the tests) may override it
        creds = StoredCredentials.from_authorized_user_info(info)
    except (ValueError, KeyError) as e:
        raise _err(
            settings, f"berkas token tidak lengkap ({e})", "google.token_file", REAUTH
        ) from None
    if token_uri:
        creds = creds.with_token_uri(token_uri)
    if scopes and creds.scopes and not set(scopes) <= set(creds.scopes):
        missing = ", ".join(sorted(set(scopes) - set(creds.scopes)))
        raise _err(
            settings,
            f"token Google tidak mencakup izin {missing}",
            "google.token_file",
            REAUTH,
        )
    return creds


# ------------------------------------------------------------------- public
def credentials(settings: Settings, scopes: list[str] | None = None, *, token_uri: str = "") -> Any:
    """google-auth credentials for the configured mode (nothing is fetched yet).

    ``token_uri`` replaces Google's token endpoint for an OAuth token (tests)."""
    scopes = scopes or SCOPES
    if settings.google.auth == "oauth_user":
        return _user_credentials(settings, scopes, token_uri)
    from google.oauth2.service_account import Credentials

    info = service_account_info(settings)
    try:
        return Credentials.from_service_account_info(info, scopes=scopes)
    except (ValueError, KeyError) as e:
        raise _err(
            settings,
            f"kunci akun layanan tidak sah ({type(e).__name__})",
            "google.key_file",
            "buat kunci JSON baru di Google Cloud Console",
        ) from None


def identity(settings: Settings) -> str:
    """Who Aduan acts as, for messages: the service account or the Google account."""
    try:
        if settings.google.auth == "oauth_user":
            who = load_user_token(settings).get("account") or "(alamat tidak diketahui)"
            return f"akun Google {who} (OAuth)"
        return f"akun layanan {service_account_info(settings).get('client_email', '?')}"
    except ConfigError:
        return "akun layanan" if settings.google.auth == "service_account" else "akun Google"


def auth_error(settings: Settings, e: Exception) -> ConfigError:
    """One clear line for a refused credential (google.auth RefreshError)."""
    text = str(e.args[0] if getattr(e, "args", None) else e)
    code = text.split(":", 1)[0].strip()
    if settings.google.auth == "oauth_user":
        if code == "invalid_grant":
            return _err(
                settings,
                "izin Google untuk Aduan dicabut atau kedaluwarsa (invalid_grant)",
                "google.token_file",
                REAUTH + "; bila terjadi tiap 7 hari, ubah status aplikasi OAuth "
                "dari Testing ke In production",
            )
        if code in ("invalid_client", "unauthorized_client", "deleted_client"):
            return _err(
                settings,
                f"klien OAuth ditolak Google ({code})",
                "google.client_secrets_file",
                "unduh lagi client_secret JSON (jenis Desktop app), lalu " + REAUTH,
            )
        return _err(settings, f"token Google ditolak ({code})", "google.token_file", REAUTH)
    return _err(
        settings,
        f"Google menolak kunci akun layanan ({code})",
        "google.key_file",
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


def _flow(settings: Settings, gmail: bool, redirect_uri: str = "") -> Any:
    from google_auth_oauthlib.flow import InstalledAppFlow

    path = settings.path(settings.google.client_secrets_file or "client_secret.json")
    scopes = SCOPES + EMAIL_SCOPES + ([GMAIL_SCOPE] if gmail else [])
    try:
        flow = InstalledAppFlow.from_client_secrets_file(str(path), scopes=scopes)
    except (OSError, ValueError) as e:
        raise _err(
            settings,
            f"berkas klien OAuth {path} tidak terbaca ({type(e).__name__})",
            "google.client_secrets_file",
            "Google Cloud Console → APIs & Services → Credentials → Create OAuth client ID "
            "→ Desktop app → Download JSON",
        ) from None
    if redirect_uri:
        flow.redirect_uri = redirect_uri
    return flow


def _store(settings: Settings, creds: Any) -> str:
    info = json.loads(creds.to_json())
    if not info.get("refresh_token"):
        raise _err(
            settings,
            "Google tidak mengirim refresh token",
            "google.token_file",
            "hapus akses Aduan di myaccount.google.com/permissions, lalu ulangi",
        )
    info["account"] = _account_of(getattr(creds, "id_token", None))
    path = save_token(settings, info)
    return f"token disimpan di {path} (mode 0600) untuk {info['account'] or 'akun Google'}"


def browser_flow(
    settings: Settings, *, port: int = 0, open_browser: bool = True, gmail: bool = False
) -> str:
    """Consent through a loopback redirect (a browser on this machine, or an SSH tunnel)."""
    flow = _flow(settings, gmail)
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
    return _store(settings, creds)


def paste_flow(
    settings: Settings,
    *,
    port: int = 8765,
    gmail: bool = False,
    ask: Callable[[str], str] = input,
    say: Callable[[str], None] = print,
) -> str:
    """Consent for a headless server without a tunnel: the admin opens the address on
    any computer, and after consent pastes back the (unreachable) localhost address
    the browser landed on; the code in it is exchanged for the tokens here."""
    flow = _flow(settings, gmail, redirect_uri=f"http://localhost:{port}/")
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
        raise _err(settings, f"Google menolak izin ({q['error'][0]})", "auth", "ulangi")
    code = (q.get("code") or [""])[0] if "?" in pasted else pasted
    if not code:
        raise _err(settings, "alamat tidak berisi kode", "auth", "tempel alamat lengkap")
    if q.get("state") and q["state"][0] != state:
        raise _err(settings, "alamat dari sesi izin lain (state)", "auth", "ulangi perintah")
    from oauthlib.oauth2 import OAuth2Error

    try:
        flow.fetch_token(code=code)
    except OAuth2Error as e:
        raise _err(settings, f"kode ditolak Google ({e.error})", "auth", "ulangi") from None
    return _store(settings, flow.credentials)
