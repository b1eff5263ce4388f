# configs/distill-ldfc-net-g-oof.py with seed 2 (other crops, other initial weights): the distilled student's second seed, so
# that the shipped pair's distillation gain is measured twice (kd_gain.py on each seed's pair).
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("distill-ldfc-net-g-oof.py"))).items()
                  if not k.startswith("_")})
seed = 2
