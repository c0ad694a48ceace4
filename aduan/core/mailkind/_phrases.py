"""The words and tokens system mail is recognised by, in the languages seen in real mail.

Subjects are matched at their start (after ``[tags]``), so a complaint that only
mentions a failed delivery ("Pengaduan: surat tidak terkirim") does not match.
Body phrases are only consulted when the sender already looks like a system
(see the rules), never on a person's mail alone.
"""

from __future__ import annotations

import re

__all__ = [
    "DAEMON_LOCAL",
    "DAEMON_NAME",
    "DELAY_BODY",
    "DELAY_SUBJECT",
    "DSN_TOKENS",
    "FAIL_BODY",
    "FAIL_SUBJECT",
    "FEEDBACK_BODY",
    "FEEDBACK_SUBJECT",
    "FINAL_BODY",
    "NOREPLY_LOCAL",
    "OK_SUBJECT",
    "OOO_SUBJECT",
    "ORIGINAL_STARTS",
    "strip_tags",
]

_I = re.IGNORECASE
_M = re.IGNORECASE | re.MULTILINE
_TAG = re.compile(r"^\s*(?:(?:\[[^\]]{0,40}\]|\*{2,}[^*]{0,30}\*{2,})\s*)*")


def strip_tags(subject: str) -> str:
    """The subject without leading ``[Postmaster]``/``***SPAM***`` style tags."""
    return _TAG.sub("", subject, count=1)


def _start(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"^(?:" + "|".join(alternatives) + ")", _I)


# Local parts and display names of the mail system itself.
DAEMON_LOCAL = re.compile(
    r"^(?:mailer[-_.]?daemon|mail[-_.]?daemon|postmaster|post[-_.]master|double[-_.]bounce"
    r"|mail[-_.]delivery[-_.](?:system|subsystem)|mdaemon|smtp[-_.]?daemon)$",
    _I,
)
DAEMON_NAME = re.compile(
    r"\b(?:mail(?:er)?[- ]?daemon|mail deliver(?:y)? (?:system|subsystem|service)"
    r"|post[-_ ]?master|internet mail delivery|ndr administrator|system administrator"
    r"|mail administrator|delivery status notification)\b",
    _I,
)
NOREPLY_LOCAL = re.compile(r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?(?:[-_.+]|$))", _I)

# Failure notices ("bounces").
FAIL_SUBJECT = _start(
    r"(?:mail |message |e-?mail )?undeliver(?:ed|able)\b",
    r"(?:delivery (?:status )?notification|dsn)\s*:\s*(?:delivery has failed|fail(?:ed|ure)|error)",
    r"(?:message|mail|e-?mail) (?:rejected|blocked|refused)\b",
    r"(?:mail |message |e-?mail )?deliver(?:y|ing) (?:status notification \((?:failure|failed)\)"
    r"|fail(?:ure|ed)|has failed|error|problem)",
    r"(?:mail |message |e-?mail )?delivery status(?: notification)?\s*(?::\s*(?:error|failed)\s*)?$",
    r"(?:mail |message |e-?mail )?(?:could not be|couldn't be|was not|not) delivered",
    r"(?:message|mail) delivery (?:has )?failed",
    r"mail(?: system)? (?:delivery )?(?:error|failure|failed)",
    r"returned (?:mail|e-?mail|message)",
    r"return(?:ed)? to sender",
    r"fail(?:ure|ed) (?:notice|delivery|mail)",
    r"permanent (?:delivery )?failure",
    r"non[- ]?deliver(?:y|able)",
    r"(?:there was an )?error sending (?:your )?(?:mail|message)",
    r"could not deliver",
    r"(?:e-?mail |mail )?bounced?(?: notification| message| mail)?\b",
    # de / fr / es / pt / it / nl / id / ja / ru
    r"unzustellbar|nicht zustellbar|zustellung fehlgeschlagen|fehler bei der (?:nachrichten)?zustellung",
    r"benachrichtigung zum (?:übermittlungs|zustell)status \(fehler\)",
    r"non remis|non distribuable|message non (?:remis|délivré|distribué)"
    r"|échec de (?:la )?(?:remise|livraison|distribution)|impossible de (?:remettre|distribuer)",
    r"notification d'état de (?:la )?(?:remise|distribution) \((?:échec|erreur)\)",
    r"no se puede entregar|no entregad[oa]|mensaje no entregado|error (?:en la|de) entrega"
    r"|entrega fallida|notificación de estado de (?:la )?entrega \((?:error|fallo)\)",
    r"não (?:é|foi) possível entregar|não entregue|mensagem não entregue|falha (?:na|de) entrega"
    r"|notificação de status de entrega \(falha\)",
    r"non recapitabile|impossibile recapitare|recapito non riuscito|mancato recapito"
    r"|messaggio non (?:recapitato|consegnato)|notifica (?:sullo )?stato (?:della )?consegna \(errore\)",
    r"onbestelbaar|niet bezorgd|bezorging mislukt|kan niet worden bezorgd"
    r"|melding van de bezorgingsstatus \(mislukt\)",
    r"pemberitahuan status pengiriman \(gagal\)|tidak terkirim\s*:|tidak dapat (?:dikirim|diantarkan)\s*:",
    r"(?:メール)?(?:配信|送信|配送)?(?:エラー|失敗|不能)|不達|未達|メッセージを配信できません",
    r"ваше сообщение не доставлено|недоставленное сообщение|сообщение не доставлено",
    r"(?:系统)?退信|邮件投递失败|投递失败|无法投递|发送失败",
)
FAIL_BODY = re.compile(
    r"this is the mail system at host|mail delivery software|qmail-send program"
    r"|\b(?:could|can)\s*not be delivered\b|\bundeliverable\b|\bundelivered\b"
    r"|\bunable to deliver\b|\bcould not deliver\b|\bdelivery (?:has )?failed\b"
    r"|\bdelivery to the following recipients? (?:failed|was unsuccessful)"
    r"|\bpermanent (?:fatal |delivery )?(?:errors?|failure)\b|\bfailed permanently\b"
    r"|\b(?:was|were|has been|have been) (?:rejected|returned|bounced)\b|\bmailbox (?:is )?full\b"
    r"|\b(?:user|mailbox|recipient|address) (?:unknown|not found|unavailable|is full)\b"
    r"|\bno such (?:user|recipient|mailbox|address)\b|\breturned to (?:the )?sender\b"
    r"|\byour message (?:to \S+ )?(?:wasn'?t|was not|couldn'?t be|could not be) delivered\b"
    r"|\b(?:couldn'?t|can'?t|wasn'?t) (?:be )?delivered\b|\baddress not found\b"
    r"|konnte nicht zugestellt werden|nicht zugestellt|n'a pas pu être (?:remis|distribué|délivré)"
    r"|no se (?:pudo|ha podido) entregar|não (?:foi|pôde ser) entregue|não foi possível entregar"
    r"|non è stato possibile (?:recapitare|consegnare)|kon niet (?:worden )?bezorgd"
    r"|tidak dapat dikirim(?:kan)? ke|tidak dapat diantarkan|gagal (?:dikirim|terkirim)"
    r"|配信できません|送信できません|届きませんでした|宛先不明|配信に失敗|送信に失敗"
    r"|не доставлено|не может быть доставлено|退信|投递失败|无法投递",
    _I,
)
# A failure that is final even where the text also talks of retrying.
FINAL_BODY = re.compile(
    r"\bthis is a permanent error\b|\bfailed permanently\b|\bgiving up\b|\bgave up\b"
    r"|\bi'm not going to try again\b|\bwill not be retried\b"
    r"|\b(?:cannot|could not) send message for \d+ days?\b",
    _I,
)

# Delay warnings: still queued, will be retried.
DELAY_SUBJECT = re.compile(
    r"\((?:delay(?:ed)?|retard|retraso|atraso|ritardo|vertraging|verzögerung|tertunda)\)"
    r"|^(?:\[[^\]]{0,40}\]\s*)?(?:warning:?\s*message\b.{0,80}\bdelayed\b"
    r"|(?:warning(?::|--|\s)\s*)?could not send (?:message|mail) for (?:the )?past"
    r"|delayed mail|(?:mail |message )?delivery (?:has been |is )?delayed|delay(?:ed)? notification"
    r"|(?:message|mail|e-?mail) delayed"
    r"|delivery notification: delivery has been delayed"
    r"|delivery status notification:\s*(?:warning|delayed)"
    r"|zustellung verzögert|remise différée|entrega retrasada|entrega atrasada|consegna ritardata"
    r"|bezorging vertraagd|pengiriman tertunda|配信遅延)"
    r"|still being retried",
    _I,
)
DELAY_BODY = re.compile(
    r"\bwarning message only\b|\bthis is a warning only\b|\bdo(?: not|n't) need to resend\b"
    r"|\bhas not (?:yet )?been delivered\b|\bnot (?:yet )?been delivered yet\b"
    r"|\bstill (?:being )?retried\b|\bwill (?:continue to|keep) (?:try|trying|retry|attempt)"
    r"|\bdelivery attempts will continue\b|\bwill (?:be )?retr(?:y|ied)\b"
    r"|\bcould not send (?:message|mail) for (?:the )?past\b|\bonly a temporary failure\b"
    r"|\bdelivery (?:to the following recipients? )?(?:has been|was|is) delayed\b"
    r"|\bno action is required on your part\b",
    _I,
)

# Success notices.
OK_SUBJECT = _start(
    r"delivery status notification \((?:success|relayed|delivered)\)",
    r"successful mail delivery",
    r"delivered:",
    r"relayed:",
    r"delivery (?:receipt|report) (?:for|:)",
)

# Feedback (abuse) reports outside a multipart/report.
FEEDBACK_SUBJECT = _start(
    r"complaint about message from (?:ip )?[\d.:a-f]{3,}",
    r"report domain:\s*\S+\s+submitter:",  # a DMARC aggregate report (RFC 7489)
)
FEEDBACK_BODY = re.compile(r"(?im)^feedback-type:\s*(?:abuse|fraud|virus|other|not-spam|opt-out)")

# Out-of-office and other auto-responses, by subject.
# Words that also begin ordinary sentences ("Di luar kantor ada sampah...", "Absence
# of street lights") count only as a whole subject or before ":", "-", "(" or "until".
_ALONE = r"(?=\s*(?:[:\-\u2013(\]]|$|auto|until\b|till\b|sampai\b|hingga\b|jusqu|bis\b|hasta\b|at[ée]\b|fino\b|tot\b))"
OOO_SUBJECT = _start(
    r"out[ -]of[ -](?:the )?office" + _ALONE,
    r"ooo\b",
    r"automatic(?:ally)? repl",
    r"auto(?:matic)?[- ]?(?:reply|repl(?:ied|y)|respon(?:s|d))",
    r"auto:",
    r"away from (?:the |my )?(?:office|desk)" + _ALONE,
    r"away until\b",
    r"(?:on|annual) (?:vacation|leave|holiday)" + _ALONE,
    r"vacation (?:reply|notice|message)",
    r"abwesenheitsnotiz|automatische antwort|abwesend" + _ALONE,
    r"r[ée]ponse automatique|(?:absence|absent)(?: du bureau)?" + _ALONE,
    r"respuesta autom[áa]tica|fuera de (?:la )?oficina" + _ALONE,
    r"resposta autom[áa]tica|(?:fora do escrit[óo]rio|ausente)" + _ALONE,
    r"risposta automatica|(?:fuori (?:sede|ufficio)|assente)" + _ALONE,
    r"automatisch antwoord|(?:afwezig|niet aanwezig)" + _ALONE,
    r"balas(?:an)? otomatis|jawaban otomatis",
    r"(?:sedang cuti|di luar kantor|tidak di kantor|sedang dinas luar)" + _ALONE,
    r"自動応答|自動返信|不在",
    r"автоответ|автоматический ответ",
)

# Tokens of a delivery report that a person does not type.
DSN_TOKENS = re.compile(
    r"^[ \t]*(?:final|original)-recipient:\s*rfc822;|^[ \t]*diagnostic-code:"
    r"|^[ \t]*reporting-mta:\s*dns;|^[ \t]*remote-mta:\s*dns;"
    r"|^[ \t]*status:\s*[245]\.\d{1,3}\.\d{1,3}\b"
    r"|\b[45]\d\d[ -]#?[45]\.\d{1,3}\.\d{1,3}\b|\(#[45]\.\d{1,3}\.\d{1,3}\)|\bdsn=[45]\.\d"
    r"|transcript of session follows|smtp error from remote (?:mail )?server"
    r"|^[ \t]*<<<\s*[45]\d\d\b|\b(?:host|server) \S+ said:\s*[45]\d\d\b"
    r"|^[ \t]*x-postfix-queue-id:",
    _M,
)

# Where the notice ends and the returned original's text begins.
ORIGINAL_STARTS = re.compile(
    r"^[ \t>]*(?:received|return-path|dkim-signature|x-received):"
    r"|^[ \t-]*(?:this is a copy of|below this line is a copy|original message follows"
    r"|unsent message (?:below|follows)|returned message|the header of the original"
    r"|original message header|-* ?original message\b)",
    _M,
)
