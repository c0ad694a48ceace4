"""The SOP model: both seed SOPs load; a broken SOP file is refused with a message
naming the file, the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from aduan.config import load_sop
from aduan.core.sop import Condition, Deadline
from aduan.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent
BPBD = REPO / "config/sop/bpbd-karanganyar.yaml"
BLITAR = REPO / "config/sop/dinsos-blitar.yaml"


def test_seed_sops_encode_every_step_of_the_originals():
    bpbd, blitar = load_sop(BPBD), load_sop(BLITAR)
    sop_steps = [s for s in bpbd.steps if not s.office_added]
    assert [s.number for s in sop_steps] == [1, 2, 3, 4, 5, 6, 7]
    assert [s.standard_minutes for s in sop_steps] == [5, 5, 5, 5, 10, 60, 60]
    # issue 21: step 4 is the petugas conveying (Aduan does it: the event), the
    # Pimpinan's disposition an office-added wait of its own
    assert bpbd.step("sampaikan").transitions[0].when.event == "conveyed"
    wait = bpbd.step("disposisi")
    assert wait.office_added and wait.actor == "pimpinan" and wait.number == 4
    assert [bpbd.role_label(s.role) for s in sop_steps] == [
        "Petugas Layanan",
        "Petugas Layanan",
        "Petugas Layanan",
        "Petugas Layanan",
        "TIM",
        "TIM",
        "TIM",
    ]
    assert bpbd.step("rapat").output == "Rencana tindaklanjut"
    assert [s.number for s in blitar.steps] == [1, 2, 3, 4, 5]
    assert [s.standard_minutes for s in blitar.steps] == [5, 10, 10, 30, 10]
    assert [blitar.role_label(s.role) for s in blitar.steps] == [
        "Petugas Pengaduan",
        "Sekretaris",
        "Kepala Dinas",
        "Tim Pengelola Pengaduan",
        "Tim Pengelola Pengaduan",
    ]
    assert blitar.step("disposisi").output == "Data Pengaduan dan lembar disposisi"
    assert blitar.head_role == "kepala" and bpbd.head_role == "pimpinan"
    assert bpbd.outcomes() == ["disalurkan", "ditindaklanjuti", "terlayani_langsung"]
    assert blitar.outcomes() == ["disalurkan", "ditindaklanjuti"]


def test_conditions_on_literal_rows():
    filled = Condition(column="Disposisi")
    assert filled.holds({"Disposisi": " cek "}, set())
    assert not filled.holds({"Disposisi": "  "}, set())
    eq = Condition.model_validate({"column": "Perlu Tindak Lanjut", "equals": "Tidak"})
    assert eq.holds({"Perlu Tindak Lanjut": "  tidak "}, set())
    assert not eq.holds({"Perlu Tindak Lanjut": "Ya"}, set())
    one = Condition.model_validate({"column": "K", "in": ["A", "B"]})
    assert one.holds({"K": "b"}, set()) and not one.holds({"K": "c"}, set())
    both = Condition.model_validate({"all": [{"column": "A"}, {"event": "registered"}]})
    assert both.holds({"A": "x"}, {"registered"}) and not both.holds({"A": "x"}, set())
    assert both.columns() == {"A"}


@pytest.mark.parametrize(
    ("text", "minutes", "days"),
    [(30, 30, 0), ("2 jam", 120, 0), ("1 hari kerja", 0, 1), (" 45 menit ", 45, 0)],
)
def test_deadline_parsing(text, minutes, days):
    d = Deadline.parse(text)
    assert (d.minutes, d.working_days) == (minutes, days)


@pytest.mark.parametrize("text", ["sebentar", 0, -5, "0 jam", True])
def test_deadline_rejects_nonsense(text):
    with pytest.raises(ValueError):
        Deadline.parse(text)


def _broken(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(BLITAR.read_text(encoding="utf-8"))
    change(data)
    p = tmp_path / "sop.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def _set(path: str, value):
    def change(data):
        obj = data
        keys = path.split(".")
        for k in keys[:-1]:
            obj = obj[int(k)] if k.isdigit() else obj[k]
        last = keys[-1]
        if last.isdigit():
            obj[int(last)] = value
        else:
            obj[last] = value

    return change


BROKEN = [
    ("unknown role", _set("steps.1.role", "bendahara"), "unknown role 'bendahara'"),
    ("unknown target", _set("steps.1.transitions.0.to", "arsip"), "unknown step 'arsip'"),
    (
        "missing column",
        _set("steps.2.transitions.0.when", {"column": "Disposisi Kadis"}),
        "no column 'Disposisi Kadis'",
    ),
    ("dead end", _set("steps.4.transitions", []), "dead end"),
    ("never closes", _set("steps.4.transitions.0.to", "pembahasan"), "ever closes the complaint"),
    ("unreachable", _set("steps.1.transitions.0.to", "pembahasan"), "can never be reached"),
    ("close without outcome", _set("steps.4.transitions.0.outcome", None), "needs an 'outcome'"),
    ("typo in key", _set("steps.0.standart_minutes", 5), "Extra inputs"),
    ("bad event", _set("steps.0.transitions.1.when", {"event": "dibaca"}), "unknown event"),
    ("unknown message", _set("steps.4.transitions.0.send", ["sms"]), "unknown message"),
    ("bad head", _set("head_role", "walikota"), "unknown role 'walikota'"),
]


@pytest.mark.parametrize(("what", "change", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_sop_is_refused_with_file_key_and_fix(tmp_path, what, change, message):
    p = _broken(tmp_path, change)
    with pytest.raises(ConfigError) as e:
        load_sop(p)
    text = str(e.value)
    assert str(p) in text and message in text, text
    assert "\n" not in text


def test_not_yaml_names_the_line(tmp_path):
    p = tmp_path / "sop.yaml"
    p.write_text("id: x\nsteps: [\n  - a: b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sop.yaml: line \d+: not valid YAML"):
        load_sop(p)


def test_a_third_office_is_just_another_file(tmp_path):
    text = BPBD.read_text(encoding="utf-8").replace("id: bpbd-karanganyar", "id: kantor-ketiga")
    text = text.replace(
        "standard_minutes: 60\n    output: Aduan sudah terlayani",
        "standard_minutes: 60\n    deadline: 1 hari kerja\n    output: Aduan sudah terlayani",
    )
    p = tmp_path / "ketiga.yaml"
    p.write_text(text, encoding="utf-8")
    sop = load_sop(p)
    assert sop.id == "kantor-ketiga"
    assert sop.step("tindak_lanjut").allowance.describe() == "1 hari kerja"
    assert sop.step("tindak_lanjut").standard_minutes == 60


@pytest.mark.parametrize(
    ("allowance", "text"),
    [
        ({"minutes": 10}, "10 menit"),
        ({"minutes": 120}, "2 jam"),
        ({"minutes": 90}, "1 jam 30 menit"),
        ({"minutes": 2445}, "40 jam 45 menit"),  # never "2445 menit"
        ({"working_days": 3}, "3 hari kerja"),
    ],
)
def test_allowance_is_described_with_the_one_duration_formatter(allowance, text):
    from aduan.core.sop import Deadline

    assert Deadline(**allowance).describe() == text
