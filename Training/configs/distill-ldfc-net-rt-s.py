# The shipped real-time recipe (configs/distill-ldfc-net-rt-t3x-nobright.py: teacher's exposure, regional calibration, no brightness term) on the scene split, from teacher-s, trained on the same pictures.
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("distill-ldfc-net-rt-t3x-nobright.py"))).items()
                  if not k.startswith("_")})
split = "scenes"
teacher = "teacher-s"
