# configs/distill-ldfc-net.py's recipe and steps (those of the no-teacher twin, configs/student-ldfc-net.py)
# with the third teacher, configs/teacher-v3.py (teacher-v2 given a second annealed cycle).
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("distill-ldfc-net.py"))).items()
                  if not k.startswith("_")})
teacher = "teacher-v3"
