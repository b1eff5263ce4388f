# configs/distill-ldfc-net-rt-s.py (ldfc-net-rt on the scene split) distilled from teacher-g-s, the teacher with a
# whole-frame view, instead of teacher-s.
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("distill-ldfc-net-rt-s.py"))).items()
                  if not k.startswith("_")})
teacher = "teacher-g-s"
