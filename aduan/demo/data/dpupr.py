"""Dinas PUPR Kab. Karanganyar's demo month (realistic, invented; issue 19): the third
office, same pemda as BPBD, running its own SOP file (config/sop/dpupr-karanganyar.yaml).
Roads, bridges, drainage, street lighting and buildings: handled after a field survey
(repaired now, or proposed for a programme), answered directly, or forwarded when the
road is a national or provincial one. BPBD's pothole complaint arrives by a hand-off
mail, not as a complaint of this module: :data:`HANDOFF_SCRIPT` plays its staff."""

from __future__ import annotations

from typing import Any

from aduan.demo.data.complaint import INFO, KELUHAN, LAPANGAN, Complaint, Script

__all__ = ["AGENCIES", "COMPLAINTS", "HANDOFF_SCRIPT", "OFFICE"]

#: working minutes after each step started (the SOP's standards: 30, 30, 60, 30, 480,
#: 120, 1440, 60, 60), on time unless a complaint says otherwise
_TIMES = {
    "verifikasi": 12,
    "teruskan": 20,
    "disposisi": 45,
    "penugasan": 20,
    "survei": 300,
    "rencana": 90,
    "pelaksanaan": 900,
    "jawab": 30,
    "lapor": 40,
}
#: the Kepala Dinas's disposition and the Kepala Bidang's assignment, per bidang
_BIDANG = {
    "Bina Marga": (
        "Kabid Bina Marga: segera tinjau lokasi bersama tim, utamakan penanganan "
        "pemeliharaan rutin, laporkan hasilnya.",
        "Tim Teknis Seksi Pemeliharaan Jalan dan Jembatan, 3 orang; peninjauan lokasi "
        "hari kerja berikutnya pukul 08.00.",
    ),
    "Sumber Daya Air": (
        "Kabid SDA: cek saluran dan penyebab genangan, koordinasi dengan desa/kelurahan "
        "untuk kerja bakti bila perlu.",
        "Tim Teknis Seksi Drainase dan Irigasi, 2 orang bersama petugas UPT; peninjauan "
        "besok pagi.",
    ),
    "Cipta Karya": (
        "Kabid Cipta Karya: tindak lanjuti, cek jaringan dan lampu PJU di lokasi.",
        "Tim Teknis Seksi Penerangan Jalan Umum, 2 teknisi dengan mobil tangga.",
    ),
    "Tata Ruang": (
        "Kabid Tata Ruang: tinjau lapangan, cek kesesuaian dengan RTRW dan PBG, "
        "koordinasikan dengan Satpol PP.",
        "Tim Teknis Seksi Pengendalian Pemanfaatan Ruang, 2 orang bersama Satpol PP.",
    ),
}


def _handled(
    cat: str,
    bidang: str,
    survei: str,
    rencana: str,
    pelaksanaan: str,
    jawaban: str,
    *,
    program: bool = False,
    minutes: dict[str, int] | None = None,
    extra: dict[str, str] | None = None,
) -> Script:
    """Every step of the SOP, after a field survey; ``program``: the work is proposed
    for a later budget (no repair now); ``minutes``: steps done sooner or later than
    usual (after their standard: late)."""
    t = {**_TIMES, **(minutes or {})}
    disposisi, tugas = _BIDANG[bidang]
    done = rencana.splitlines()[0] if program else pelaksanaan
    script: Script = {
        "verifikasi": (
            t["verifikasi"],
            {"Hasil Verifikasi": "Tindak Lanjut Teknis", "Kategori": cat, **(extra or {})},
        ),
        "teruskan": (t["teruskan"], {"Diteruskan ke Kepala Dinas": "Ya"}),
        "disposisi": (t["disposisi"], {"Bidang Teknis": bidang, "Disposisi": disposisi}),
        "penugasan": (t["penugasan"], {"Penugasan Tim": tugas}),
        "survei": (t["survei"], {"Hasil Peninjauan Lapangan": survei}),
        "rencana": (
            t["rencana"],
            {
                "Jenis Penanganan": "Usulan Program" if program else "Penanganan Langsung",
                "Rencana Penanganan": rencana,
            },
        ),
        "pelaksanaan": (t["pelaksanaan"], {"Hasil Pelaksanaan": pelaksanaan}),
        "jawab": (t["jawab"], {"Jawaban untuk Pengadu": jawaban}),
        "lapor": (
            t["lapor"],
            {
                "Laporan Pelaksanaan": f"Penanganan aduan oleh Bidang {bidang}: {done} "
                "Dokumentasi sebelum dan sesudah tersimpan di folder aduan."
            },
        ),
    }
    if program:
        del script["pelaksanaan"]
    return script


def _direct(answer: str) -> Script:
    return {
        "verifikasi": (8, {"Hasil Verifikasi": "Dijawab Langsung", "Tanggapan": answer}),
    }


def _forward(agency: str) -> Script:
    return {
        "verifikasi": (10, {"Hasil Verifikasi": "Bukan Kewenangan", "Instansi Tujuan": agency}),
    }


DPUPR = [
    Complaint(
        2,
        "08.25",
        "Jalan berlubang di ruas Karanganyar–Matesih, Desa Koripan",
        "Selamat pagi Dinas PUPR. Jalan kabupaten di Desa Koripan, Matesih, dekat masjid "
        "Al-Ikhlas berlubang di beberapa titik dan tergenang air kalau hujan. Sudah dua "
        "pengendara motor jatuh minggu ini. Foto terlampir. Mohon segera diperbaiki.",
        "Eko Wahyudi",
        "eko.wahyudi@contoh.id",
        kind="attachment",
        reply_after_min=35,
        by_reply=("verifikasi", "disposisi", "survei"),
        jenis=KELUHAN,
        rating="4, lubangnya sudah ditambal, terima kasih.",
        script=_handled(
            "Jalan dan Jembatan",
            "Bina Marga",
            "Ditemukan 4 lubang pada perkerasan aspal sepanjang 60 m di depan Masjid "
            "Al-Ikhlas, terbesar 1,0 x 0,7 m kedalaman 8 cm; penyebab utama air hujan "
            "menggenang karena saluran tepi jalan tertutup tanah.",
            "Penambalan lubang (patching) aspal dan pembersihan saluran tepi jalan.\n"
            "Pelaksana: UPT Pemeliharaan Jalan dan Jembatan Wilayah Matesih\n"
            "Batas waktu: 3 hari kerja",
            "Penambalan 4 lubang (± 3 m²) dan pembersihan saluran tepi jalan 60 m selesai.",
            "Lubang-lubang di jalan Desa Koripan dekat Masjid Al-Ikhlas sudah kami tambal "
            "dan saluran di tepi jalan sudah dibersihkan supaya air hujan tidak menggenang "
            "lagi. Mohon tetap berhati-hati sampai aspal tambalan benar-benar mengeras. "
            "Terima kasih atas laporan Bapak.",
        ),
    ),
    Complaint(
        3,
        "09.10",
        "Saluran drainase tersumbat di Perumahan Jaten Permai",
        "Pak, saluran air di Perumahan Jaten Permai blok C tersumbat sampah dan lumpur. "
        "Tiap hujan air meluap ke jalan dan masuk halaman rumah warga.",
        "Pak Margono",
        channel="WhatsApp",
        contact="0812 2977 3140",
        script=_handled(
            "Drainase",
            "Sumber Daya Air",
            "Saluran blok C lebar 40 cm tertutup sedimen setinggi 25 cm sepanjang 120 m; "
            "satu gorong-gorong di mulut perumahan tersumbat sampah.",
            "Normalisasi saluran dan pembersihan gorong-gorong bersama warga.\n"
            "Pelaksana: UPT Drainase Wilayah Jaten\n"
            "Batas waktu: 3 hari kerja",
            "Normalisasi saluran 120 m dan pembersihan gorong-gorong selesai bersama warga "
            "blok C; 6 m³ sedimen diangkut.",
            "Saluran air di blok C Perumahan Jaten Permai sudah kami bersihkan bersama warga "
            "dan gorong-gorong di mulut perumahan sudah tidak tersumbat. Mohon bantuan "
            "warga agar tidak membuang sampah ke saluran.",
            minutes={"survei": 1100},  # the survey team is two days late: the Kabid is told
        ),
    ),
    Complaint(
        3,
        "13.05",
        "Syarat mengurus PBG rumah tinggal",
        "Saya mau membangun rumah tinggal di Desa Popongan, Karanganyar. Apa saja syarat "
        "mengurus PBG dan di mana mendaftarnya?",
        "Fajar Ramadhan",
        "fajar.ramadhan@contoh.id",
        by_reply=("verifikasi",),
        jenis=INFO,
        rating="3",
        script=_direct(
            "Persetujuan Bangunan Gedung (PBG) diajukan secara daring melalui SIMBG "
            "(simbg.pu.go.id) dengan melampirkan KTP, bukti kepemilikan tanah, gambar "
            "rencana bangunan dan KKPR/informasi tata ruang. Petugas kami di Mal Pelayanan "
            "Publik Karanganyar dapat membantu pendaftaran pada hari kerja pukul 08.00–14.00."
        ),
    ),
    Complaint(
        4,
        "10.20",
        "Jalan Raya Solo–Sragen di Kebakkramat berlubang",
        "Jalan Raya Solo–Sragen di depan pasar Kebakkramat banyak lubang besar, berbahaya "
        "untuk motor apalagi malam hari. Mohon diperbaiki.",
        "Hendra Gunawan",
        "hendra.gunawan@contoh.id",
        script=_forward("BBPJN Jawa Tengah-DI Yogyakarta"),
    ),
    Complaint(
        5,
        "19.40",
        "Lampu penerangan jalan padam di Jalan Adi Sucipto, Bejen",
        "Tiga lampu penerangan jalan di Jalan Adi Sucipto dekat perempatan Bejen padam "
        "sejak seminggu. Jalan gelap dan rawan kecelakaan.",
        "Laras Ayuningtyas",
        "laras.ayu@contoh.id",
        channel="Formulir Online",
        contact="0857 2840 6612",
        category="Penerangan Jalan",
        by_reply=("rencana", "pelaksanaan", "lapor"),
        script=_handled(
            "Penerangan Jalan",
            "Cipta Karya",
            "3 titik PJU padam: 2 lampu mati dan 1 MCB panel terbakar.",
            "Penggantian 2 lampu dengan LED 60 W dan penggantian MCB panel.\n"
            "Pelaksana: Seksi Penerangan Jalan Umum\n"
            "Batas waktu: 2 hari kerja",
            "2 lampu LED 60 W dan 1 MCB panel diganti; ketiga titik PJU menyala kembali.",
            "Ketiga lampu penerangan jalan di Jalan Adi Sucipto dekat perempatan Bejen sudah "
            "menyala kembali. Dua lampu kami ganti dengan lampu LED dan panel listriknya "
            "sudah diperbaiki.",
        ),
    ),
    Complaint(
        6,
        "14.30",
        "Jembatan gantung di Dusun Gumeng rusak",
        "Lantai kayu jembatan gantung penghubung Dusun Gumeng dan Dusun Tlogo di Jenawi "
        "banyak yang lapuk dan kabelnya berkarat. Anak-anak tiap hari lewat ke sekolah.",
        "Sutrisno",
        "sutrisno.gumeng@contoh.id",
        by_reply=("rencana",),
        jenis=KELUHAN,
        rating="2 - jembatannya baru diperbaiki tahun depan.",
        script=_handled(
            "Jalan dan Jembatan",
            "Bina Marga",
            "Jembatan gantung bentang 45 m: 30% papan lantai lapuk, kabel utama berkarat, "
            "angkur masih kuat. Perlu rehabilitasi menyeluruh, di luar pemeliharaan rutin.",
            "Rehabilitasi jembatan gantung Gumeng diusulkan dalam program Bidang Bina "
            "Marga tahun anggaran 2027; sementara papan lantai yang lapuk diganti dan "
            "dipasang rambu batas 10 orang.\n"
            "Pelaksana: Seksi Pembangunan Jalan dan Jembatan\n"
            "Batas waktu: usulan Musrenbang Januari 2027",
            "",
            "Tim kami sudah memeriksa jembatan gantung Gumeng. Jembatan ini perlu diperbaiki "
            "menyeluruh, sehingga kami usulkan masuk program perbaikan tahun 2027. Sementara "
            "itu papan lantai yang lapuk kami ganti dan kami pasang rambu: jembatan dilewati "
            "paling banyak 10 orang sekaligus.",
            program=True,
        ),
    ),
    Complaint(
        9,
        "08.40",
        "Talud jalan ambrol di Desa Tlobo, Jatiyoso",
        "Talud penahan jalan di Desa Tlobo ambrol sepanjang kurang lebih 8 meter setelah "
        "hujan deras. Separuh badan jalan menggantung, truk sayur tidak berani lewat.",
        "Kades Tlobo",
        channel="Telepon",
        contact="0271 699 120",
        jenis=KELUHAN,
        script=_handled(
            "Jalan dan Jembatan",
            "Bina Marga",
            "Talud pasangan batu ambrol 8 m, tinggi 3 m; badan jalan retak sepanjang 10 m, "
            "lebar efektif tinggal 2,5 m.",
            "Penanganan darurat: bronjong kawat 8 m dan rambu/pembatas jalan; rekonstruksi "
            "talud permanen masuk pemeliharaan berkala.\n"
            "Pelaksana: UPT Pemeliharaan Jalan dan Jembatan Wilayah Jatiyoso\n"
            "Batas waktu: 3 hari kerja",
            "Bronjong kawat 8 m terpasang, badan jalan yang retak diurug dan dipadatkan, "
            "pembatas jalan dipasang.",
            "Talud jalan di Desa Tlobo sudah kami tangani darurat dengan bronjong dan jalan "
            "sudah bisa dilewati kendaraan dengan hati-hati. Perbaikan talud permanen kami "
            "jadwalkan dalam pemeliharaan berkala.",
            minutes={"disposisi": 200},  # the Kepala Dinas disposes late: the Sekretaris is told
        ),
    ),
    Complaint(
        10,
        "10.45",
        "Bangunan di sempadan sungai di Colomadu",
        "Saya Galih Pramudito, warga Dusun Gedongan, Colomadu (HP 0813-2560-7781). Ada "
        "bangunan ruko baru berdiri tepat di tanggul Kali Pepe, menutup jalan inspeksi "
        "sungai. Mohon nama saya dirahasiakan, pemiliknya tetangga saya sendiri.",
        "Galih Pramudito",
        "galih.pramudito@contoh.id",
        jenis=LAPANGAN,
        script=_handled(
            "Bangunan dan Tata Ruang",
            "Tata Ruang",
            "Bangunan 2 lantai 6 x 12 m berdiri 3 m dari tepi Kali Pepe (sempadan 10 m) "
            "tanpa PBG; jalan inspeksi tertutup.",
            "Teguran tertulis pertama kepada pemilik dan penghentian pekerjaan; koordinasi "
            "dengan Satpol PP dan BBWS Bengawan Solo.\n"
            "Pelaksana: Seksi Pengendalian Pemanfaatan Ruang\n"
            "Batas waktu: 3 hari kerja",
            "Teguran tertulis disampaikan kepada pemilik; pekerjaan dihentikan dan pemilik "
            "diminta membongkar bagian yang menutup jalan inspeksi dalam 30 hari.",
            "Bangunan yang dilaporkan sudah kami periksa: bangunan itu berdiri di sempadan "
            "sungai dan belum memiliki PBG. Pemilik sudah kami beri teguran tertulis, "
            "pekerjaan dihentikan, dan bagian yang menutup jalan inspeksi harus dibongkar "
            "dalam 30 hari. Kami akan mengawasi pelaksanaannya.",
            extra={"Rahasiakan Identitas": "Ya"},
        ),
    ),
    Complaint(
        12,
        "09.00",
        "Jadwal pengaspalan jalan Karangpandan–Ngargoyoso",
        "Kapan jalan Karangpandan–Ngargoyoso diaspal? Sudah lama rusak.",
        "Pak Sukimin",
        channel="SMS",
        contact="0852 2900 4417",
        jenis=INFO,
        script=_direct(
            "Peningkatan jalan ruas Karangpandan–Ngargoyoso termasuk kegiatan tahun 2026. "
            "Pengaspalan dijadwalkan mulai 23 November 2026 selama kurang lebih 30 hari; "
            "selama pekerjaan lalu lintas diatur buka-tutup."
        ),
    ),
    Complaint(
        16,
        "13.30",
        "Genangan air di depan Pasar Jungke",
        "Setiap hujan air menggenang setinggi 30 cm di depan Pasar Jungke. Pedagang dan "
        "pembeli kesulitan lewat.",
        "Purwanto",
        "alamat.salah@contoh.invalid",
        bounce=True,
        script=_handled(
            "Drainase",
            "Sumber Daya Air",
            "Inlet saluran di depan pasar tertutup sampah dan pasir; saluran tersumbat "
            "sepanjang 50 m.",
            "Pembersihan inlet dan saluran depan Pasar Jungke, pemasangan saringan sampah.\n"
            "Pelaksana: UPT Drainase Wilayah Karanganyar\n"
            "Batas waktu: 2 hari kerja",
            "Inlet dan saluran 50 m dibersihkan; 2 saringan sampah dipasang.",
            "Saluran dan lubang masuk air di depan Pasar Jungke sudah kami bersihkan dan "
            "kami pasang saringan sampah, sehingga air hujan bisa mengalir lagi.",
        ),
    ),
    Complaint(
        19,
        "07.55",
        "Bahu jalan Karanganyar–Tawangmangu ambles di Ngemplak",
        "Bahu jalan Karanganyar–Tawangmangu di Ngemplak ambles sekitar 5 meter, "
        "berbahaya untuk kendaraan yang menepi.",
        "Rizky Aditya",
        "rizky.aditya@contoh.id",
        rating="3",
        script=_forward("DPU Bina Marga dan Cipta Karya Provinsi Jawa Tengah"),
    ),
    Complaint(
        24,
        "09.30",
        "Retak pada jembatan Kali Samin di Tasikmadu",
        "Ada retakan memanjang di lantai jembatan Kali Samin, Tasikmadu. Saat truk lewat "
        "jembatan terasa bergetar.",
        "Anggraini Putri",
        "anggraini.putri@contoh.id",
        # the survey is done, the plan is not: still open (and late) at month's end
        script={
            k: v
            for k, v in _handled(
                "Jalan dan Jembatan",
                "Bina Marga",
                "Retak memanjang 4 m pada pelat lantai; perlu uji beban oleh tenaga ahli.",
                "-",
                "-",
                "-",
            ).items()
            if k not in ("rencana", "pelaksanaan", "jawab", "lapor")
        },
    ),
]

COMPLAINTS = DPUPR

# -- issue 19: BPBD's "Jalan kabupaten berlubang di Karangpandan", handed over to this
# office by a signed hand-off mail; its staff handle it like any complaint of theirs
HANDOFF_SCRIPT: Script = _handled(
    "Jalan dan Jembatan",
    "Bina Marga",
    "Di depan SD Karangpandan 2 ada 3 lubang pada perkerasan aspal, terbesar 1,2 x 0,8 m "
    "dengan kedalaman 10–12 cm; saluran tepi jalan tersumbat sehingga air menggenang dan "
    "mempercepat kerusakan.",
    "Penambalan lubang (patching) aspal dan pembersihan saluran tepi jalan; rambu "
    "peringatan dipasang sampai pekerjaan selesai.\n"
    "Pelaksana: UPT Pemeliharaan Jalan dan Jembatan Wilayah Karangpandan\n"
    "Batas waktu: 3 hari kerja",
    "Penambalan 3 lubang (± 2,5 m²) dan pembersihan saluran tepi jalan 40 m selesai; "
    "rambu peringatan dipasang selama aspal mengeras.",
    "Terima kasih atas laporan Bapak/Ibu yang diteruskan BPBD kepada kami. Tim Teknis "
    "Dinas PUPR sudah meninjau jalan di depan SD Karangpandan 2, dan lubang-lubang di sana "
    "kini sudah kami tambal. Saluran di tepi jalan juga sudah kami bersihkan agar air tidak "
    "menggenang lagi. Mohon tetap berhati-hati satu-dua hari ini sampai aspal tambalan "
    "benar-benar mengeras. Bila ada kerusakan baru, silakan kabari kami kembali.",
    minutes={"survei": 240, "pelaksanaan": 600},
)

OFFICE: dict[str, Any] = {
    "sop": "dpupr-karanganyar.yaml",
    "office": {
        "id": "dpupr-karanganyar",
        "government": "PEMERINTAH KABUPATEN KARANGANYAR",
        "name": "DINAS PEKERJAAN UMUM DAN PENATAAN RUANG",
        "short_name": "Dinas PUPR Kab. Karanganyar",
        "address": "Jl. Lawu No. 371, Karanganyar, Jawa Tengah",
        "city": "Karanganyar",
        "phone": "(0271) 495039",
        "email": "dpupr@karanganyar.contoh.go.id",
        "website": "dpupr.karanganyar.contoh.go.id",
        "head": {
            "name": "Ir. SUNARNO WIDJAJANTO, M.T.",
            "title": "Kepala Dinas Pekerjaan Umum dan Penataan Ruang",
            "rank": "Pembina Utama Muda",
            "nip": "19700814 199803 1 006",
        },
        "petugas": {
            "name": "RINI ASTUTI, S.E.",
            "title": "Petugas Pengaduan",
            "nip": "19890221 201402 2 003",
        },
        "team_leader": {
            "name": "ARIF SETYO NUGROHO, S.T., M.T.",
            "title": "Kepala Seksi Pemeliharaan Jalan dan Jembatan",
            "rank": "Penata Tk.I",
            "nip": "19830915 200902 1 004",
        },
    },
    "roles": {
        "petugas": ["petugas.aduan@dpupr.contoh.go.id"],
        "sekretaris": ["sekretaris@dpupr.contoh.go.id"],
        "kadis": ["kadis@dpupr.contoh.go.id"],
        # one role for the four bidang (the SOP's note): every Kepala Bidang's address
        "kabid": [
            "kabid.binamarga@dpupr.contoh.go.id",
            "kabid.sda@dpupr.contoh.go.id",
            "kabid.ciptakarya@dpupr.contoh.go.id",
            "kabid.tataruang@dpupr.contoh.go.id",
        ],
        "tim": ["tim.teknis@dpupr.contoh.go.id"],
    },
    "from": "aduan@dpupr.contoh.go.id",
    "categories": [
        "Jalan dan Jembatan",
        "Drainase",
        "Penerangan Jalan",
        "Bangunan dan Tata Ruang",
        "Lainnya",
    ],
    "complaints": DPUPR,
}


# -- issue 16: the agencies this office forwards to (settings `agencies:`): national
# roads to the BBPJN, provincial roads to the province's public works office
AGENCIES: list[dict[str, object]] = [
    {
        "name": "Balai Besar Pelaksanaan Jalan Nasional Jawa Tengah-DI Yogyakarta",
        "aliases": ["BBPJN Jawa Tengah-DI Yogyakarta", "BBPJN Jateng-DIY", "BBPJN"],
        "email": "bbpjn.jateng-diy@pu.example.go.id",
        "phone": "(024) 7600123",
    },
    {
        "name": "Dinas Pekerjaan Umum Bina Marga dan Cipta Karya Provinsi Jawa Tengah",
        "aliases": [
            "DPU Bina Marga dan Cipta Karya Provinsi Jawa Tengah",
            "DPU BMCK Jateng",
            "DPU Provinsi",
        ],
        "email": "dpubmck@jatengprov.example.go.id",
        "phone": "(024) 8311234",
    },
]
