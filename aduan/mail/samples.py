"""Realistic sample data for every key an email template may use: ``aduan check``
renders every template with it, and the tests compose with it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aduan.core.model import template_defaults

__all__ = ["sample_context"]


def sample_context(kind: str, now: datetime) -> dict[str, Any]:
    """Realistic data for every key, used by :func:`check_templates` and the tests."""
    started = now - timedelta(minutes=20)
    return {
        **template_defaults(),
        "ticket": "ADU/2026/11/0007",
        "received": started,
        "channel": "Email",
        "name": "Budi Santoso",
        "contact": "budi.santoso@example.com",
        "subject": "Jalan berlubang di Desa Ngargoyoso",
        "text": "Jalan di depan SD Negeri 1 berlubang besar dan membahayakan pengendara.",
        "attachments": "foto-jalan.jpg",
        "category": "Infrastruktur",
        "fields": {"Kategori": "Infrastruktur", "Disposisi": "Segera ditinjau tim."},
        "f": {
            "disposisi": "Segera ditinjau tim.",
            "rencana": "Peninjauan lokasi.",
            "hasil": "Jalan telah ditambal.",
            "keputusan": "Perbaikan jalan.",
            "laporan": "Penambalan selesai.",
            "tanggapan": "Terima kasih, sudah kami catat.",
            "instansi_tujuan": "Dinas PUPR Kab. Karanganyar",
            "kewenangan": "",
            "perlu_tindak_lanjut": "Ya",
            "diteruskan": "",
        },
        "sop_name": "SOP Pengelolaan Aduan Publik",
        "sop_number": "SOP / / I / 2024/ BPBD",
        "step": {
            "id": "rapat",
            "number": 5,
            "label": "Tim melakukan rapat.",
            "role": "TIM",
            "role_id": "tim",
            "output": "Rencana tindaklanjut",
            "requirements": "",
            "standard_minutes": 10,
            "allowance": "10 menit",
            "started": started,
            "deadline": started + timedelta(minutes=10),
            "office_added": False,
            "next": [
                {
                    "close": False,
                    "number": 6,
                    "label": "Tim menindaklanjuti pengaduan.",
                    "role": "TIM",
                    "office_added": False,
                    "documents": ["rencana_tindak_lanjut"],
                    "to_complainant": False,
                }
            ],
        },
        # issue 16: the answer column, the acknowledgement's promises, a progress notice
        "answer": "Jalan di depan SD Negeri 1 telah kami tambal pada 25 November 2026.",
        "promises": [
            'kabar perkembangan: "Aduan Anda sedang ditindaklanjuti oleh tim."',
            "hasil penyelesaian aduan beserta berita acaranya",
        ],
        "progress_text": "Aduan Anda sedang ditindaklanjuti oleh tim."
        if kind == "perkembangan"
        else "",
        "steps_ahead": [
            {
                "number": 1,
                "label": "Menerima aduan.",
                "role": "Petugas Layanan",
                "allowance": "5 menit",
            }
        ],
        "outcome": "ditindaklanjuti",
        "rung": 2,
        "late_minutes": 65,
        "reply": {
            "from": "budi.santoso@example.com",
            "subject": "Re: aduan",
            "text": "Lubangnya makin besar.",
            "date": now,
        },
        "now": now,
        "source_message_id": "<abc@example.com>",
        "failed_kind": "tanda_terima" if kind == "pantulan" else "",
        "decision": {
            "from": "kalak@bpbd.example.go.id",
            "subject": "Re: [ADU/2026/11/0007] Tugas tahap 4",
            "text": "DISPOSISI: Tim segera tinjau lokasi.",
            "date": now,
            "command": "DISPOSISI",
            "values": {"Disposisi": "Tim segera tinjau lokasi."},
        },
        "refusal": "token balasan tidak cocok" if kind == "ditolak" else "",
        "reply_to": "aduan+abcdefghijklmnop@bpbd.example.go.id",
        "reply_token": "abcdefghijklmnop",
        "reply_tag": "[balas:abcdefghijklmnop]",
        "reply_commands": [
            {
                "command": "DISPOSISI",
                "usage": "DISPOSISI: <arahan>",
                "description": "arahan pimpinan kepada tim",
            }
        ],
        "person": "tim@bpbd.example.go.id" if kind == "ringkasan" else "",
        "own": [
            {
                "ticket": "ADU/2026/11/0007",
                "subject": "Jalan berlubang di Desa Ngargoyoso",
                "category": "Infrastruktur",
                "step_number": 5,
                "step_label": "Tim melakukan rapat.",
                "role": "TIM",
                "deadline": started + timedelta(minutes=10),
                "late_minutes": 10,
                "reply_to": "aduan+abcdefghijklmnop@bpbd.example.go.id",
                "commands": [{"command": "RENCANA", "usage": "RENCANA: <rencana>"}],
            }
        ]
        if kind == "ringkasan"
        else [],
        "others": [],
        "items": [
            {
                "ticket": "ADU/2026/11/0007",
                "subject": "Jalan berlubang di Desa Ngargoyoso",
                "category": "Infrastruktur",
                "step_number": 5,
                "step_label": "Tim melakukan rapat.",
                "role": "TIM",
                "started": started,
                "deadline": started + timedelta(minutes=10),
                "late": True,
                "late_minutes": 10,
            }
        ]
        if kind == "ringkasan"
        else [],
        "late_count": 1 if kind == "ringkasan" else 0,
        # -- issue 20: the service standard, waiting, SKM
        "service": {
            "kind": "Keluhan",
            "days": 5,
            "first_days": 3,
            "due": started + timedelta(days=7),
            "first_due": started + timedelta(days=3),
            "waiting": kind in ("minta_kelengkapan", "pengingat_kelengkapan"),
            "missing": "fotokopi KTP dan foto lokasi",
        },
        "skm": {"question": "Balas dengan angka 1–4, boleh dengan komentar."}
        if kind in ("hasil", "jawaban_langsung", "penyaluran")
        else {},
        "waiting_text": "Kami memerlukan kelengkapan berikut:",
        "resumed": "fotokopi KTP" if kind == "balasan_pengadu" else "",
        "rating": {"value": 2, "label": "kurang baik", "comment": "Lama sekali."},
        "service_rung": 2 if kind == "batas_layanan" else 0,
        # issue 16: a message for a complainant reached through the petugas
        "relay": {
            "kind": "tanda_terima",
            "channel": "WhatsApp",
            "number": "+6281234567890",
            "mode": "wa",
            "contact": "0812-3456-7890",
        }
        if kind == "kabar"
        else {},
        "late_role": "TIM",
        "informed": ["Pimpinan"] if kind == "pengingat" else [],
        "urgent": kind == "tanda_terima",
    }
