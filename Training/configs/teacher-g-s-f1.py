# configs/teacher-g-s.py holding out fold 1 of 2 of the training scenes as well (data.scene_folds):
# with teacher-g-s-f0 it gives every training picture a teacher output from a network that never saw
# that scene (train.out_of_fold_stacks). teacher-g-s scored 24.7 dB on its training pictures and
# 20.7 on unseen scenes: on its own training set it recalls the ground truth's exposure, so the
# teacher's exposure the students learn from is no longer a prediction (distilling from it, the
# students ended below their distillation from teacher-s).
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("teacher-g-s.py"))).items()
                  if not k.startswith("_")})
fold = (1, 2)
