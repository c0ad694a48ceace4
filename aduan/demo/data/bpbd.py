"""BPBD Kab. Karanganyar's demo month (realistic, invented): disasters handled by the
Tim Reaksi Cepat, answers given directly, a road handed to Dinas PUPR."""

from __future__ import annotations

from typing import Any

from aduan.demo.data.complaint import INFO, KELUHAN, LAPANGAN, Complaint

__all__ = ["AGENCIES", "COMPLAINTS", "OFFICE"]


def _bpbd_follow(
    disp: int = 4,
    team: int = 8,
    act: int = 40,
    rep: int = 30,
    cat: str = "Bencana",
    extra: dict[str, str] | None = None,
) -> dict[str, tuple[int, dict[str, str]]]:
    return {
        "telaah": (3, {"Perlu Tindak Lanjut": "Ya", **(extra or {})}),
        "catat": (3, {"Kategori": cat}),
        "disposisi": (  # the Pimpinan's disposition: the office-added wait (issue 21)
            disp,
            {
                "Disposisi": "Tim Reaksi Cepat segera ke lokasi, koordinasi dengan "
                "kecamatan dan laporkan hasilnya."
            },
        ),
        "rapat": (
            team,
            {
                "Rencana Tindak Lanjut": "Tim TRC berangkat dengan 1 unit rescue; "
                "asesmen lokasi, dokumentasi, koordinasi desa."
            },
        ),
        "tindak_lanjut": (
            act,
            {
                "Hasil Tindak Lanjut": "Penanganan selesai di lokasi; warga terdampak sudah dibantu.",
                # issue 16: the answer to the complainant (the result email's body)
                "Jawaban untuk Pengadu": "Tim Reaksi Cepat BPBD sudah menangani laporan "
                "Bapak/Ibu di lokasi hari ini dan warga yang terdampak sudah dibantu. Bila "
                "keadaan berubah, hubungi kami kembali.",
            },
        ),
        "lapor": (
            rep,
            {
                "Laporan Pelaksanaan": "Laporan kegiatan disampaikan kepada Kalak; "
                "dokumentasi terlampir di folder aduan."
            },
        ),
    }


def _direct(answer: str) -> dict[str, tuple[int, dict[str, str]]]:
    return {"telaah": (4, {"Perlu Tindak Lanjut": "Tidak", "Tanggapan": answer})}


BPBD = [
    Complaint(
        2,
        "08.12",
        "Pohon tumbang menutup jalan di Tawangmangu",
        "Selamat pagi BPBD. Ada pohon mahoni besar tumbang menutup Jalan Lawu km 3 dekat "
        "pasar Tawangmangu sejak subuh. Kendaraan tidak bisa lewat. Mohon segera dibantu.",
        "Budi Santoso",
        "budi.santoso@contoh.id",
        script=_bpbd_follow(),
        reply_after_min=50,
    ),
    Complaint(
        2,
        "09.40",
        "Jadwal sosialisasi desa tangguh bencana",
        "Mohon info jadwal sosialisasi Desta (desa tangguh bencana) untuk Desa Berjo "
        "tahun ini. Terima kasih.",
        "Sri Wahyuni",
        "sri.wahyuni@contoh.id",
        script=_direct(
            "Sosialisasi Desa Tangguh Bencana untuk Kecamatan Ngargoyoso "
            "dijadwalkan Kamis, 19 November 2026 pukul 09.00 di balai desa."
        ),
    ),
    Complaint(
        3,
        "10.05",
        "Banjir setinggi lutut di Jaten",
        "Lapor, air masuk rumah warga RT 02 RW 05 Jaten setinggi lutut. Ada lansia yang "
        "perlu dievakuasi.",
        "Pak Sarno",
        channel="WhatsApp",
        contact="0812 2650 1177",
        script=_bpbd_follow(disp=95),
    ),
    Complaint(
        4,
        "13.20",
        "Tanah longsor kecil di Ngargoyoso",
        "Tebing di belakang rumah saya di Dusun Nglerak longsor sebagian setelah hujan "
        "deras semalam. Mohon dicek apakah aman.",
        "Agus Prasetyo",
        "agus.p@contoh.id",
        script=_bpbd_follow(),
        kind="attachment",
    ),
    Complaint(
        5,
        "08.45",
        "Jalan kabupaten berlubang di Karangpandan",
        "Jalan di depan SD Karangpandan 2 berlubang besar dan sudah memakan korban motor "
        "jatuh. Mohon diperbaiki.",
        "Dewi Lestari",
        "dewi.lestari@contoh.id",
        script={
            "telaah": (
                3,
                {
                    "Perlu Tindak Lanjut": "Bukan Kewenangan",
                    "Instansi Tujuan": "Dinas Pekerjaan Umum dan Penataan Ruang Kab. Karanganyar",
                },
            )
        },
    ),
    Complaint(
        5,
        "11.00",
        "Automatic reply: Laporan kejadian",
        "Terima kasih atas email Anda. Saya sedang cuti sampai 10 November.",
        "Rina",
        "rina.kantor@contoh.id",
        kind="auto_reply",
    ),
    Complaint(
        6,
        "14.10",
        "Permohonan bantuan terpal",
        "Rumah kami bocor parah setelah angin kencang. Mohon bantuan terpal untuk 3 KK "
        "di Desa Gedong.",
        "Suparmi",
        "alamat.tidak.ada@contoh.invalid",
        bounce=True,
        script=_bpbd_follow(cat="Bantuan Logistik", act=90),
    ),
    Complaint(
        9,
        "09.15",
        "Permintaan bantuan logistik pengungsi",
        "Di posko pengungsian Desa Kemuning kekurangan air bersih dan selimut.",
        "Kades Kemuning",
        channel="SMS",
        contact="0813 9000 4521",
        script=_bpbd_follow(cat="Bantuan Logistik", team=30, act=150),
    ),
    Complaint(
        10,
        "07.50",
        "Info peringatan dini cuaca ekstrem",
        "Apakah ada peringatan dini cuaca ekstrem untuk pekan ini di Karanganyar?",
        "Yoga",
        "yoga.pratama@contoh.id",
        script=_direct(
            "Menurut BMKG, potensi hujan lebat disertai angin kencang pada "
            "12–14 November 2026. Pantau kanal resmi BPBD."
        ),
    ),
    Complaint(
        12,
        "15.40",
        "Rumah rusak diterjang angin puting beliung",
        "Atap rumah saya dan tetangga di Kebakkramat rusak diterjang puting beliung sore "
        "ini. Foto terlampir. Mohon identitas saya dirahasiakan.",
        "Wulan Sari",
        "wulan.sari@contoh.id",
        kind="attachment",
        script=_bpbd_follow(extra={"Rahasiakan Identitas": "Ya"}),
    ),
    Complaint(
        16,
        "10.30",
        "Sumur warga mengering",
        "<p>Sudah dua minggu sumur di <b>Dusun Sidomulyo</b> kering. Warga butuh "
        "<i>dropping air bersih</i>.</p>",
        "Heru",
        "heru.kurniawan@contoh.id",
        kind="html",
        script={k: v for k, v in _bpbd_follow(cat="Kekeringan").items() if k != "lapor"},
    ),
    Complaint(
        21,
        "22.15",
        "Kebakaran lahan di lereng Lawu",
        "Terlihat asap dan api di lahan lereng Lawu dekat Cemoro Kandang malam ini.",
        "Anton",
        "anton.pendaki@contoh.id",
        script=_bpbd_follow(),
    ),
    Complaint(
        23,
        "08.05",
        "Kebakaran rumah di Colomadu",
        "Ada rumah terbakar di Colomadu, api sudah padam, keluarga butuh bantuan.",
        "Ibu Marni",
        channel="Telepon",
        contact="0271 555 0101",
        script=_bpbd_follow(disp=6, team=12, act=70),
    ),
    Complaint(
        9,
        "10.40",
        "Tanah retak di lereng belakang rumah",
        "Sejak hujan deras dua hari ini muncul retakan tanah sepanjang 5 meter di lereng "
        "belakang rumah kami di Dusun Ngringin, Jatiyoso. Kami khawatir longsor.",
        "Sri Lestari",
        "sri.lestari@contoh.id",
        channel="Formulir Online",
        contact="0813 2900 1122",
        category="Bencana",
        script=_bpbd_follow(),
    ),
    Complaint(
        17,
        "19.20",
        "Sumur warga kering, butuh air bersih",
        "Sumur di RT 02 Desa Girimulyo sudah kering tiga minggu. Warga membeli air.",
        "Warga Girimulyo",
        channel="Formulir Online",
        contact="0857 0011 2233",
        category="Kekeringan",
        confidential=True,
        script=_bpbd_follow(cat="Kekeringan"),
    ),
    Complaint(
        26,
        "14.00",
        "Pohon rawan tumbang di depan sekolah",
        "Pohon besar di depan SDN 1 Jumantono miring, khawatir tumbang saat hujan.",
        "Guru SDN 1",
        "sdn1.jumantono@contoh.id",
        script={"telaah": (3, {"Perlu Tindak Lanjut": "Ya"})},
    ),
]


# -- issue 16 (confidentiality and channels in the demo month): a confidential complaint
# whose name stands in the body and the sign-off, and a WhatsApp chat a staff member
# forwards to the complaint inbox (the citizen's complaint, served through the petugas)
BPBD.extend(
    [
        Complaint(
            18,
            "09.20",
            "Jalan desa tertimbun longsor di Tegalsari",
            "Saya Bu Ratna Dewi, warga Dusun Tegalsari, Tawangmangu (HP 0813-2211-4455). "
            "Jalan desa tertimbun longsor sejak subuh, anak-anak tidak bisa ke sekolah. "
            "Jangan sebut nama saya, saya takut dengan pemilik lahan di atas.",
            "Ratna Dewi",
            "ratna.dewi@contoh.id",
            script=_bpbd_follow(extra={"Rahasiakan Identitas": "Ya"}),
        ),
        Complaint(
            19,
            "08.10",
            "Fwd: chat WA warga",
            "Mohon dicatat, chat WA warga tadi pagi.\n\n"
            "[19/11/26 07.52] +62 812-2733-4411: Pagi pak, pohon besar tumbang menutup "
            "jalan di Dusun Ngringin, Jatiyoso\n"
            "[19/11/26 07.53] Anda: Baik pak, kami teruskan ke BPBD\n",
            "Petugas Lapangan Dimas",
            "dimas.lapangan@bpbd.contoh.go.id",
        ),
    ]
)
# -- end issue 16

# -- issue 21: staff who decide by replying to the task email (both paths in the month)
_BY_REPLY = {
    "Kebakaran lahan di lereng Lawu": ("telaah", "catat", "disposisi", "rapat", "tindak_lanjut"),
    "Banjir setinggi lutut di Jaten": ("disposisi",),
    "Rumah rusak diterjang angin puting beliung": ("telaah", "disposisi", "lapor"),
    "Jadwal sosialisasi desa tangguh bencana": ("telaah",),
}
for _c in BPBD:
    _c.by_reply = _BY_REPLY.get(_c.subject, _c.by_reply)
# -- end issue 21

# -- issue 20: kinds of complaint and satisfaction ratings (aduan.demo.data: the story)
for _i, _jenis in {0: KELUHAN, 1: INFO, 3: LAPANGAN, 4: KELUHAN, 9: KELUHAN}.items():
    BPBD[_i].jenis = _jenis
for _i, _text in {
    0: "4, terima kasih penanganannya cepat sekali.",
    1: "3",
    3: "2 - tim baru datang keesokan harinya.",
    9: "4 sangat baik",
}.items():
    BPBD[_i].rating = _text

COMPLAINTS = BPBD


OFFICE: dict[str, Any] = {
    "sop": "bpbd-karanganyar.yaml",
    "office": {
        "id": "bpbd-karanganyar",
        "government": "PEMERINTAH KABUPATEN KARANGANYAR",
        "name": "BADAN PENANGGULANGAN BENCANA DAERAH",
        "short_name": "BPBD Kab. Karanganyar",
        "address": "Jl. Lawu No. 385, Karanganyar, Jawa Tengah",
        "city": "Karanganyar",
        "phone": "(0271) 495000",
        "email": "bpbd@karanganyar.contoh.go.id",
        "website": "bpbd.karanganyar.contoh.go.id",
        "head": {
            "name": "HENDRO PRAYITNO, SH.MM",
            "title": "Kepala Pelaksana BPBD",
            "rank": "Pembina Tk.I",
            "nip": "19760531 199503 1 001",
        },
        # issue 22: each document shows its signer (the logo: run._write_settings)
        "petugas": {
            "name": "SRI WAHYUNI, A.Md.",
            "title": "Petugas Layanan Pengaduan",
            "nip": "19880312 201101 2 004",
        },
        "team_leader": {
            "name": "AGUS SETIAWAN, S.T.",
            "title": "Komandan Tim Reaksi Cepat",
            "rank": "Penata",
            "nip": "19810707 200604 1 009",
        },
    },
    "roles": {
        "petugas": ["petugas.aduan@bpbd.contoh.go.id"],
        "tim": ["trc@bpbd.contoh.go.id"],
        "pimpinan": ["kalak@bpbd.contoh.go.id"],
    },
    "from": "aduan@bpbd.contoh.go.id",
    # issue 21: disasters cannot wait for Monday: the Pusdalops duty officer
    "urgent": {
        "categories": ["Bencana"],
        "keywords": ["kebakaran", "banjir", "longsor", "pohon tumbang", "puting beliung"],
        "on_call": ["pusdalops@bpbd.contoh.go.id"],
        "emergency_number": "(0271) 495000 / 112",
    },
    "categories": ["Bencana", "Bantuan Logistik", "Kekeringan", "Informasi", "Lainnya"],
    "complaints": BPBD,
}


# -- issue 16: the agencies this office forwards to (settings `agencies:`); every one
# a demo complaint is forwarded to has an address, so Aduan sends it itself
AGENCIES: list[dict[str, object]] = [
    {
        "name": "Dinas Pekerjaan Umum dan Penataan Ruang Kab. Karanganyar",
        "aliases": ["DPUPR Karanganyar", "Dinas PUPR Kab. Karanganyar", "Dinas PUPR"],
        # issue 19: the demo office's inbox, so the forwarding lands there
        # hand-off: the lead adds office_id
        "email": "aduan@dpupr.contoh.go.id",
        "phone": "(0271) 495039",
    }
]
