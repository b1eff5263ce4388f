# configs/teacher-g-s.py holding out fold 1 of 2 of the training scenes as well (data.scene_folds):
# with teacher-g-s-f0 it gives every training picture a teacher output from a network that never saw
# that scene (train.out_of_fold_stacks). Built on the reading that teacher-g-s recalled its training
# pictures, which was a misreading (train.py then logged PSNR against the re-exposed targets): on
# them it scores 20.4 dB, on unseen scenes 20.7, and on each fold the fold teacher that never saw it
# scores as teacher-g-s (20.85 / 19.76 against 20.86 / 19.90). Kept as the control that shows it.
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("teacher-g-s.py"))).items()
                  if not k.startswith("_")})
fold = (1, 2)
