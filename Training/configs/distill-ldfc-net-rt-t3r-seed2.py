# configs/distill-ldfc-net-rt-t3r.py with another seed (other crops, flips and initial weights): how far apart two
# runs of one recipe end, which is what a distillation gain has to exceed.
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("distill-ldfc-net-rt-t3r.py"))).items()
                  if not k.startswith("_")})
seed = 2
