"""Dinas Sosial Kota Blitar's demo month (realistic, invented): social assistance,
rehabilitation, a lost ID card forwarded to Dukcapil."""

from __future__ import annotations

from typing import Any

from aduan.demo.data.complaint import INFO, KELUHAN, TANPA, Complaint

__all__ = ["AGENCIES", "COMPLAINTS", "OFFICE"]


# -- issue 22: a month whose recap says something: each follow-up its own disposition,
# decision and category (in call order, so the demo stays deterministic)
_BLITAR_VARIANTS = [
    (
        "Bantuan Sosial",
        "Segera rapatkan dengan tim pengelola pengaduan, verifikasi data DTKS dan kunjungi "
        "pengadu.",
        "Pengadu memenuhi syarat; diusulkan masuk DTKS dan diberi bantuan sementara.",
        # issue 16: the answer in words for the citizen (the result email's body)
        "Data Bapak/Ibu sudah kami verifikasi dan memenuhi syarat. Bapak/Ibu kami usulkan "
        "masuk DTKS, dan sambil menunggu, bantuan sementara berupa sembako dapat diambil di "
        "kantor kelurahan mulai Senin depan dengan membawa KTP.",
    ),
    (
        "Rehabilitasi Sosial",
        "Koordinasikan dengan Puskesmas dan kelurahan; tim meninjau ke rumah pengadu besok pagi.",
        "Pengadu dirujuk ke panti rehabilitasi; pendampingan oleh pekerja sosial masyarakat.",
        "Kami telah merujuk ke panti rehabilitasi sosial; pekerja sosial masyarakat di "
        "kelurahan Bapak/Ibu akan mendampingi dan menghubungi Bapak/Ibu minggu ini.",
    ),
    (
        "Bantuan Sosial",
        "Mohon tanggapan dan saran bidang Linjamsos atas data penerima; bahas di rapat tim.",
        "Data penerima diperbaiki; pencairan bantuan diajukan pada tahap berikutnya.",
        "Data penerima atas nama Bapak/Ibu sudah kami perbaiki. Pencairan bantuan kami "
        "ajukan pada tahap pencairan berikutnya (Desember); Bapak/Ibu tidak perlu mengurus "
        "apa pun lagi.",
    ),
    (
        "Lainnya",
        "Proses lebih lanjut sesuai kewenangan Dinas; hubungi pengadu untuk kelengkapan berkas.",
        "Berkas pengadu lengkap; permohonan diteruskan ke bidang terkait dengan surat pengantar.",
        "Berkas Bapak/Ibu sudah lengkap. Permohonan kami teruskan ke bidang terkait dengan "
        "surat pengantar; bidang tersebut akan menghubungi Bapak/Ibu paling lambat dua "
        "minggu lagi.",
    ),
]
_variant = iter(range(10_000))


def _blitar_follow(
    kewenangan: int = 4,
    sek: int = 8,
    kadis: int = 8,
    tim: int = 25,
    hasil: int = 8,
    extra: dict[str, str] | None = None,
) -> dict[str, tuple[int, dict[str, str]]]:
    cat, disposisi, keputusan, jawaban = _BLITAR_VARIANTS[next(_variant) % len(_BLITAR_VARIANTS)]
    return {
        "terima": (
            kewenangan,
            {"Kewenangan": "Kewenangan Dinas", "Kategori": cat, **(extra or {})},
        ),
        "lapor_kadis": (sek, {"Diteruskan ke Kepala Dinas": "Ya"}),
        "disposisi": (kadis, {"Disposisi": disposisi}),
        "pembahasan": (tim, {"Keputusan Penyelesaian": keputusan}),
        "sampaikan_hasil": (
            hasil,
            {"Jawaban untuk Pengadu": jawaban},  # issue 16: the answer, in citizen's words
        ),
    }


BLITAR = [
    Complaint(
        2,
        "08.20",
        "Bantuan PKH tidak cair tiga bulan",
        "Saya penerima PKH di Kelurahan Sukorejo tetapi sejak Agustus bantuan tidak cair. "
        "Mohon dicek.",
        "Siti Aminah",
        "siti.aminah@contoh.id",
        script=_blitar_follow(),
        reply_after_min=40,
        kind="attachment",
    ),
    Complaint(
        2,
        "10.10",
        "Lansia terlantar di Kepanjenkidul",
        "Ada nenek tinggal sendiri di rumah hampir roboh, tidak ada keluarga.",
        "Ketua RT 03",
        channel="Datang Langsung",
        contact="0342 801 234",
        script=_blitar_follow(kadis=120),
    ),
    Complaint(
        3,
        "09.30",
        "Permohonan KIS untuk keluarga tidak mampu",
        "Keluarga kami belum punya KIS, anak sakit dan butuh berobat.",
        "Rudi Hartono",
        "rudi.hartono@contoh.id",
        script=_blitar_follow(),
    ),
    Complaint(
        4,
        "11.45",
        "KTP saya hilang, bagaimana mengurusnya?",
        "KTP hilang waktu di pasar. Ke mana saya harus mengurus?",
        "Andi",
        "andi.w@contoh.id",
        script={
            "terima": (
                4,
                {
                    "Kewenangan": "Bukan Kewenangan",
                    "Instansi Tujuan": "Dinas Kependudukan dan Pencatatan Sipil Kota Blitar",
                },
            )
        },
    ),
    Complaint(
        5,
        "08.00",
        "Out of Office: Re: undangan rapat",
        "Saya sedang di luar kantor.",
        "Bagus",
        "bagus.kantor@contoh.id",
        kind="auto_reply",
    ),
    Complaint(
        6,
        "13.15",
        "Anak putus sekolah butuh bantuan",
        "Tetangga saya anak yatim putus sekolah karena biaya. Mohon bantuan. "
        "Mohon nama saya dirahasiakan.",
        "Warga Sananwetan",
        "warga.sananwetan@contoh.id",
        script=_blitar_follow(extra={"Rahasiakan Identitas": "Ya"}),
    ),
    Complaint(
        9,
        "10.00",
        "Pengemis di simpang Jalan Merdeka",
        "Setiap sore ada anak-anak mengemis di simpang lampu merah Jalan Merdeka.",
        "Yuliana",
        "yuliana@contoh.id",
        script=_blitar_follow(sek=45, tim=60),
    ),
    Complaint(
        10,
        "14.30",
        "BPNT tidak diterima bulan ini",
        "Kartu sembako saya tidak terisi bulan November.",
        "Pak Darto",
        channel="SMS",
        contact="0857 3311 2200",
        script=_blitar_follow(),
    ),
    Complaint(
        11,
        "07.40",
        "ODGJ mengamuk di Sentul",
        "Ada orang dengan gangguan jiwa mengamuk di Kelurahan Sentul, warga takut.",
        "Ketua RW 05",
        "rw05.sentul@contoh.id",
        script=_blitar_follow(kewenangan=2),
        kind="html",
    ),
    Complaint(
        13,
        "09.05",
        "Bantuan rumah tidak layak huni",
        "Mohon info syarat bantuan rehab rumah tidak layak huni.",
        "Sulastri",
        "alamat.keliru@contoh.invalid",
        bounce=True,
        script=_blitar_follow(tim=40),
    ),
    Complaint(
        17,
        "10.20",
        "Penyandang disabilitas butuh kursi roda",
        "Adik saya penyandang disabilitas dan butuh kursi roda.",
        "Nur Hidayah",
        "nur.hidayah@contoh.id",
        script=_blitar_follow(hasil=30),
    ),
    Complaint(
        20,
        "21.30",
        "Korban kebakaran butuh bantuan",
        "Rumah keluarga Pak Slamet di Kelurahan Tanggung terbakar tadi malam.",
        "Lurah Tanggung",
        "lurah.tanggung@contoh.id",
        script=_blitar_follow(),
    ),
    Complaint(
        24,
        "08.50",
        "Data DTKS tidak sesuai",
        "Nama saya keluar dari DTKS padahal kondisi ekonomi belum berubah.",
        "Maryam",
        "maryam.blitar@contoh.id",
        script={
            k: v for k, v in _blitar_follow().items() if k in ("terima", "lapor_kadis", "disposisi")
        },
    ),
    Complaint(
        10,
        "09.15",
        "Anak putus sekolah karena biaya",
        "Tetangga saya, anak kelas 8, berhenti sekolah karena orang tuanya tidak mampu. "
        "Mohon dibantu agar bisa sekolah lagi.",
        "Dewi Kartika",
        "dewi.kartika@contoh.id",
        channel="Formulir Online",
        category="Perlindungan Anak",
        confidential=True,
        script=_blitar_follow(extra={"Kategori": "Perlindungan Anak"}),
    ),
    Complaint(
        18,
        "14.05",
        "Penyandang disabilitas belum terdata DTKS",
        "Adik saya penyandang disabilitas netra belum masuk DTKS sehingga tidak menerima "
        "bantuan. Kami tinggal di Kelurahan Tanggung.",
        "Yusuf",
        "yusuf.tanggung@contoh.id",
        channel="Formulir Online",
        contact="0812 3456 7788",
        category="Disabilitas",
        script=_blitar_follow(extra={"Kategori": "Disabilitas"}),
    ),
    Complaint(
        26,
        "13.40",
        "Bantuan sembako lansia",
        "Apakah ada bantuan sembako untuk lansia di Kelurahan Plosokerep?",
        "Ibu Sumi",
        channel="Telepon",
        contact="0342 555 777",
        script={"terima": (3, {"Kewenangan": "Kewenangan Dinas"})},
    ),
]

# -- issue 16: a confidential complaint whose name stands in the body, and a WhatsApp
# chat a staff member forwards to the complaint inbox
BLITAR.extend(
    [
        Complaint(
            18,
            "10.15",
            "Bantuan lansia dipotong oknum",
            "Nama saya Endah Purwanti dari Kelurahan Kepanjenkidul (WA 0856-4455-7788). "
            "Bantuan lansia ibu saya dipotong Rp50.000 oleh oknum pendamping. "
            "Mohon identitas saya dirahasiakan.",
            "Endah Purwanti",
            "endah.purwanti@contoh.id",
            script=_blitar_follow(extra={"Rahasiakan Identitas": "Ya"}),
        ),
        Complaint(
            19,
            "09.05",
            "Fwd: chat WA warga",
            "Diteruskan dari WA kantor.\n\n"
            "[19/11/26 08.41] +62 857-3344-1122: Selamat pagi, kartu KIS ibu saya tidak "
            "aktif padahal masih terdaftar PBI\n"
            "[19/11/26 08.45] Anda: Baik bu, kami catat\n",
            "Staf Dinsos Yuli",
            "yuli.staf@dinsos.contoh.go.id",
        ),
    ]
)
# -- end issue 16

# -- issue 21: staff who decide by replying to the task email (both paths in the month)
_BY_REPLY = {
    "Lansia terlantar di Kepanjenkidul": ("lapor_kadis", "disposisi"),
    "Permohonan KIS untuk keluarga tidak mampu": ("terima", "disposisi", "pembahasan"),
    "Penyandang disabilitas butuh kursi roda": ("lapor_kadis", "sampaikan_hasil"),
}
for _c in BLITAR:
    _c.by_reply = _BY_REPLY.get(_c.subject, _c.by_reply)
# -- end issue 21

# -- issue 20: kinds, one complaint paused for a missing ID card and resumed the next
# day, one never completed (closed after ten working days), ratings (one low)
for _i, _jenis in {0: TANPA, 2: KELUHAN, 3: INFO, 5: KELUHAN, 6: KELUHAN, 8: KELUHAN}.items():
    BLITAR[_i].jenis = _jenis
BLITAR[2].ask, BLITAR[2].answer_after_min = (2, "fotokopi KTP dan Kartu Keluarga"), 26 * 60
BLITAR[6].ask = (2, "fotokopi KTP pelapor dan foto lokasi")
for _i, _text in {
    0: "3, terima kasih.",
    2: "4",
    5: "4 - anak kami sudah kembali sekolah.",
    8: "1, tidak ada petugas yang menghubungi keluarga kami.",
}.items():
    BLITAR[_i].rating = _text

COMPLAINTS = BLITAR


OFFICE: dict[str, Any] = {
    "sop": "dinsos-blitar.yaml",
    "office": {
        "id": "dinsos-blitar",
        "government": "PEMERINTAH KOTA BLITAR",
        "name": "DINAS SOSIAL",
        "short_name": "Dinas Sosial Kota Blitar",
        "address": "Jl. Ciliwung No. 6, Kota Blitar, Jawa Timur",
        "city": "Blitar",
        "phone": "(0342) 801234",
        "email": "dinsos@blitarkota.contoh.go.id",
        "website": "dinsos.blitarkota.contoh.go.id",
        "head": {
            "name": "SAD SASMINTARTI, S.H.,M.M",
            "title": "Kepala Dinas Sosial",
            "rank": "Pembina Utama Muda",
            "nip": "19660119 198602 2 002",
        },
        # issue 22: each document shows its signer (the logo: run._write_settings)
        "petugas": {
            "name": "DWI LESTARI",
            "title": "Petugas Pengaduan",
            "nip": "19900505 201503 2 001",
        },
        "team_leader": {
            "name": "BAMBANG IRAWAN, S.Sos.",
            "title": "Ketua Tim Pengelola Pengaduan",
            "rank": "Penata Tk.I",
            "nip": "19780303 200312 1 005",
        },
    },
    "roles": {
        "petugas": ["pengaduan@dinsos.contoh.go.id"],
        "tim": ["tim.pengaduan@dinsos.contoh.go.id"],
        "sekretaris": ["sekretaris@dinsos.contoh.go.id"],
        "kepala": ["kadis@dinsos.contoh.go.id"],
    },
    "from": "pengaduan.online@dinsos.contoh.go.id",
    "categories": [
        "Bantuan Sosial",
        "Rehabilitasi Sosial",
        "Perlindungan Anak",
        "Disabilitas",
        "Lainnya",
    ],
    "complaints": BLITAR,
}


# -- issue 16: the agencies this office forwards to (settings `agencies:`)
AGENCIES: list[dict[str, object]] = [
    {
        "name": "Dinas Kependudukan dan Pencatatan Sipil Kota Blitar",
        "aliases": ["Dispendukcapil Kota Blitar", "Dinas Dukcapil", "Dukcapil"],
        "email": "dispendukcapil@blitarkota.example.go.id",
        "phone": "(0342) 801384",
    }
]
