# configs/distill-ldfc-net-rt-g-t3x-nobright.py (whole-frame phase A, teacher's exposure, no brightness term) on the scene split, from teacher-s.
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("distill-ldfc-net-rt-g-t3x-nobright.py"))).items()
                  if not k.startswith("_")})
split = "scenes"
teacher = "teacher-s"
