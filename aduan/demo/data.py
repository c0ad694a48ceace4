"""The demo's month of complaints for the two seed offices (realistic, invented).

Each complaint: when it arrives, how (an email, or a row staff type in from
WA/SMS/phone/walk-in), who and what, and a *script*: for each SOP step, how
many working minutes after the step started staff fill which columns. A
step missing from the script is never done (the complaint stays open).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Complaint", "OFFICES"]


@dataclass
class Complaint:
    day: int  # day of November 2026
    hhmm: str  # arrival time, WIB
    subject: str
    text: str
    name: str = ""
    email: str = ""
    channel: str = "Email"  # Email = arrives by mail; else a row typed by staff
    contact: str = ""
    script: dict[str, tuple[int, dict[str, str]]] = field(default_factory=dict)
    kind: str = "complaint"  # complaint | auto_reply | html | attachment
    reply_after_min: int = 0  # the complainant writes again this long after arrival
    bounce: bool = False  # the complainant's address does not exist
    category: str = ""  # Formulir Online: the form's Kategori Aduan answer
    confidential: bool = False  # Formulir Online: "Rahasiakan Identitas" ticked
    #: issue 21: the steps (ids) staff decide by replying to the task email, not in the sheet
    by_reply: tuple[str, ...] = ()
    # -- issue 20: service standards (set by _service_demo below)
    jenis: str = ""  # the Jenis Aduan staff set with their first look at the row
    ask: tuple[int, str] | None = None  # (working minutes after arrival, what is asked)
    answer_after_min: int = 0  # the complainant answers the request (0: never)
    rating: str = ""  # the complainant's answer to the satisfaction question


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


# -- issue 21: staff who decide by replying to the task email (both paths in the month)
_BY_REPLY = {
    "Kebakaran lahan di lereng Lawu": ("telaah", "catat", "disposisi", "rapat", "tindak_lanjut"),
    "Banjir setinggi lutut di Jaten": ("disposisi",),
    "Rumah rusak diterjang angin puting beliung": ("telaah", "disposisi", "lapor"),
    "Jadwal sosialisasi desa tangguh bencana": ("telaah",),
    "Lansia terlantar di Kepanjenkidul": ("lapor_kadis", "disposisi"),
    "Permohonan KIS untuk keluarga tidak mampu": ("terima", "disposisi", "pembahasan"),
    "Penyandang disabilitas butuh kursi roda": ("lapor_kadis", "sampaikan_hasil"),
}
for _c in BPBD + BLITAR:
    _c.by_reply = _BY_REPLY.get(_c.subject, _c.by_reply)
# -- end issue 21

# -- issue 20: kinds of complaint, waiting for the complainant, satisfaction ratings
_INFO, _KELUHAN = "Permintaan informasi", "Keluhan"
_TANPA = "Sengketa/pelanggaran tanpa pemeriksaan lapangan"
_LAPANGAN = "Sengketa/pelanggaran dengan pemeriksaan lapangan"


def _service_demo() -> None:
    """The month's service-standard story: several kinds, one complaint paused for a
    missing ID card and resumed the next day, one never completed (closed after ten
    working days), and ratings from several complainants (one low: the head is told)."""
    for i, jenis in {0: _KELUHAN, 1: _INFO, 3: _LAPANGAN, 4: _KELUHAN, 9: _KELUHAN}.items():
        BPBD[i].jenis = jenis
    for i, jenis in {
        0: _TANPA,
        2: _KELUHAN,
        3: _INFO,
        5: _KELUHAN,
        6: _KELUHAN,
        8: _KELUHAN,
    }.items():
        BLITAR[i].jenis = jenis
    BLITAR[2].ask, BLITAR[2].answer_after_min = (2, "fotokopi KTP dan Kartu Keluarga"), 26 * 60
    BLITAR[6].ask = (2, "fotokopi KTP pelapor dan foto lokasi")
    ratings = [
        (BPBD, 0, "4, terima kasih penanganannya cepat sekali."),
        (BPBD, 1, "3"),
        (BPBD, 3, "2 - tim baru datang keesokan harinya."),
        (BPBD, 9, "4 sangat baik"),
        (BLITAR, 0, "3, terima kasih."),
        (BLITAR, 2, "4"),
        (BLITAR, 5, "4 - anak kami sudah kembali sekolah."),
        (BLITAR, 8, "1, tidak ada petugas yang menghubungi keluarga kami."),
    ]
    for office, i, text in ratings:
        office[i].rating = text


_service_demo()


OFFICES: dict[str, dict[str, Any]] = {
    "bpbd-karanganyar": {
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
    },
    "dinsos-blitar": {
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
    },
}


# -- issue 16: the demo offices' address books of agencies (settings `agencies:`);
# every agency a demo complaint is forwarded to has an address, so Aduan sends it itself
AGENCIES: dict[str, list[dict[str, object]]] = {
    "bpbd-karanganyar.yaml": [
        {
            "name": "Dinas Pekerjaan Umum dan Penataan Ruang Kab. Karanganyar",
            "aliases": ["DPUPR Karanganyar", "Dinas PUPR Kab. Karanganyar", "Dinas PUPR"],
            "email": "dpupr@karanganyarkab.example.go.id",
            "phone": "(0271) 495039",
        }
    ],
    "dinsos-blitar.yaml": [
        {
            "name": "Dinas Kependudukan dan Pencatatan Sipil Kota Blitar",
            "aliases": ["Dispendukcapil Kota Blitar", "Dinas Dukcapil", "Dukcapil"],
            "email": "dispendukcapil@blitarkota.example.go.id",
            "phone": "(0342) 801384",
        }
    ],
}


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
