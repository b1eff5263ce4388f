"""The Kubernetes example and the seam check, without a cluster: the rendered Jobs are what
Kubernetes expects, each pod index enhances its own segment (the pods' commands run here, with the
volume's mount point mapped to a folder), and seams.py tells a faithful join from a broken one."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCKD = Path(os.environ.get("SCKD_BIN") or next((p for p in (ROOT / ".build" / b / "sckd" for b in ("release", "debug")) if p.exists()),
                                               ROOT / ".build" / "release" / "sckd"))
sys.path.insert(0, str(ROOT / "Cluster" / "kubernetes"))
sys.path.insert(0, str(ROOT / "Cluster"))
import render  # noqa: E402
import seams  # noqa: E402

pytestmark = pytest.mark.skipif(not SCKD.exists(), reason="no build of sckd (swift build first)")


def run(*args, **kw):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=True, **kw)


@pytest.fixture()
def volume(tmp_path):
    """A folder standing for the claim: a 5 s clip with audio, planned in 3 segments."""
    run("ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=5",
        "-f", "lavfi", "-i", "sine=duration=5", "-vf", "eq=brightness=-0.3", "-c:v", "libx264", "-g", "25",
        "-c:a", "aac", "-shortest", tmp_path / "night.mp4")
    (tmp_path / "jobs").mkdir()
    count = run(SCKD, "plan", tmp_path / "night.mp4", "--segments", "3", "-o", tmp_path / "jobs" / "night.manifest.json",
                "--quiet").stdout
    assert count.strip() == "3"
    return tmp_path


def rendered(volume, *extra):
    out = subprocess.run([sys.executable, ROOT / "Cluster" / "kubernetes" / "render.py", volume / "jobs" / "night.manifest.json",
                          "--manifest-on-volume", "jobs/night.manifest.json", "--output", "night-enhanced.mkv",
                          "--image", "registry.example/sckd:1", "--claim", "footage", *extra],
                         capture_output=True, text=True, check=True).stdout
    return yaml.safe_load(out)


def test_enhance_job_is_indexed_with_one_completion_per_segment(volume):
    job = rendered(volume, "--parallelism", "2", "--cpus", "4", "--", "--model", "classic")
    assert job["apiVersion"] == "batch/v1" and job["kind"] == "Job"
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed"
    assert spec["completions"] == 3 and spec["parallelism"] == 2
    assert spec["template"]["spec"]["restartPolicy"] == "Never"
    pod = spec["template"]["spec"]["containers"][0]
    assert pod["image"] == "registry.example/sckd:1"
    assert pod["args"] == ["--model", "classic"]
    assert pod["resources"]["limits"]["cpu"] == "4"
    assert pod["volumeMounts"][0]["mountPath"] == "/data"
    assert spec["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == "footage"
    manifest = json.loads((volume / "jobs" / "night.manifest.json").read_text())
    assert job["metadata"]["labels"]["sckd-manifest"] == manifest["id"]


def test_each_pod_index_enhances_its_own_segment_and_the_join_job_joins(volume, tmp_path_factory):
    job = rendered(volume, "--", "--model", "classic", "--codec", "ffv1")
    pod = job["spec"]["template"]["spec"]["containers"][0]
    bin_dir = tmp_path_factory.mktemp("bin")
    (bin_dir / "sckd").symlink_to(SCKD)
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}")
    mount = pod["volumeMounts"][0]["mountPath"]
    local = lambda words: [w.replace(mount, str(volume)) for w in words]  # noqa: E731
    for k in range(job["spec"]["completions"]):
        r = subprocess.run(local(pod["command"]) + local(pod["args"]), env=dict(env, JOB_COMPLETION_INDEX=str(k)),
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert f"segment {k} of 3" in r.stderr
        assert (volume / "jobs" / "night.parts" / f"part-{k:04d}.mkv").exists()
    join = rendered(volume, "--join")
    joiner = join["spec"]["template"]["spec"]["containers"][0]
    r = subprocess.run(local(joiner["command"]), env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "3 part(s), 125 frames" in r.stderr
    streams = run("ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0",
                  volume / "night-enhanced.mkv").stdout.split()
    assert streams == ["video", "audio"]


def test_render_refuses_what_is_not_a_manifest(tmp_path):
    (tmp_path / "x.json").write_text("{}")
    r = subprocess.run([sys.executable, ROOT / "Cluster" / "kubernetes" / "render.py", tmp_path / "x.json",
                        "--image", "i", "--claim", "c"], capture_output=True, text=True)
    assert r.returncode == 1 and "is not an sckd manifest" in r.stderr


def test_seams_tells_a_faithful_join_from_a_broken_one(volume):
    manifest = volume / "jobs" / "night.manifest.json"
    for k in range(3):
        run(SCKD, "enhance", "--manifest", manifest, "--segment", k, "--model", "classic", "--codec", "ffv1", "--quiet")
    run(SCKD, "join", manifest, "-o", volume / "joined.mkv", "--quiet")
    run(SCKD, "enhance", volume / "night.mp4", "-o", volume / "one.mkv", "--model", "classic", "--codec", "ffv1", "--quiet")
    r = seams.measure(manifest, volume / "joined.mkv", volume / "one.mkv")
    assert r["frames_joined"] == r["frames_one_run"] == r["frames_expected"] == 125
    assert r["min_psnr"] >= 45 and len(r["joins"]) == 2
    # A join that dropped a frame: the count says so, and frames after it no longer match.
    run("ffmpeg", "-v", "error", "-i", volume / "joined.mkv", "-vf", "select=not(eq(n\\,60))", "-fps_mode", "passthrough",
        "-c:v", "ffv1", volume / "broken.mkv")
    broken = seams.measure(manifest, volume / "broken.mkv", volume / "one.mkv")
    assert broken["frames_joined"] == 124
    assert broken["min_psnr"] < 45
    shutil.rmtree(volume / "jobs" / "night.parts")
