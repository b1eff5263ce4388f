# configs/distill-ldfc-net-rt-g-s.py (the shipped real-time recipe: ldfc-net-rt-g, teacher's exposure, no
# brightness term) with out-of-fold teacher outputs: each training picture's from the fold teacher
# (teacher-g-s-f0, teacher-g-s-f1) that never saw its scene (train.out_of_fold_stacks).
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("distill-ldfc-net-rt-g-s.py"))).items()
                  if not k.startswith("_")})
teacher = ["teacher-g-s-f0", "teacher-g-s-f1"]
