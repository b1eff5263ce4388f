# configs/distill-ldfc-net-rt-t3.py (teacher-v3, the twin's recipe and steps) with the teacher's outputs
# calibrated regionally instead of globally: a gain map blur(gt) / blur(teacher), Gaussian sigma 16,
# per training image. bands.py: teacher-v3 trails the students below sigma 4 (its regional
# brightness) and ties them above; so the low band comes from the ground truth, and what is left
# of the teacher is its colour, texture and noise removal.
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("distill-ldfc-net-rt-t3.py"))).items()
                  if not k.startswith("_")})
teacher_calibration_sigma = 16
