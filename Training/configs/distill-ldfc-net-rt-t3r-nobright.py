# configs/distill-ldfc-net-rt-t3r.py (teacher-v3, regional calibration) without the brightness term.
# Every distillation of the real-time student so far ended below its twin in SSIM (0.739-0.751
# against 0.772) except the one without this term (t2-nobright, 0.770): the student's L is pulled
# toward the teacher's, whose restorer, not its L, does the brightening.
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("distill-ldfc-net-rt-t3r.py"))).items()
                  if not k.startswith("_")})
w_bright = 0.0
