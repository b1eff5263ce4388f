# configs/distill-ldfc-net-t3r.py (teacher-v3, regional calibration) with the ground truth
# re-exposed to the teacher's brightness (train.py expose_like_teacher). The regional calibration
# had given every training target the ground truth's exposure, discarding the one thing teacher-v3
# knows better than the students: how bright a picture should be (validation: a student's output
# re-scaled to teacher-v3's mean luma gains 0.7 dB; scratch measurement, see the model card).
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("distill-ldfc-net-t3r.py"))).items()
                  if not k.startswith("_")})
exposure_from_teacher = True
