# The shipped quality recipe (configs/distill-ldfc-net-t3x.py: teacher's exposure, regional calibration) on the scene split, from teacher-s, trained on the same pictures.
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("distill-ldfc-net-t3x.py"))).items()
                  if not k.startswith("_")})
split = "scenes"
teacher = "teacher-s"
