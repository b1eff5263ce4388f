# The teacher again, at the students' learning rate. The first teacher (configs/teacher.py, lr 2e-4,
# 4000 steps) ended weaker than a 46 K-parameter student trained without it (val 17.9 dB / SSIM
# 0.749 against 19.1 / 0.832; training loss 0.23 against 0.21): it had not fitted its own training
# patches. This run starts from its weights with a 5x higher rate, resumed across sessions from
# checkpoints/teacher-v2.pt. The schedule was first 20000 steps; it was cut to 5000 at step 1050 and
# to 4000 at 1382 (on two threads, 0.9 s a step) so that the rate anneals within one 2-core session
# with time left to distil: a teacher evaluated mid-schedule, at its peak rate, is not the teacher
# the students should learn from.
mode = "teacher"
model = "teacher"
init_from = "teacher"
steps = 4000

# Everything else is train.py DEFAULTS (batch 8, patch 128, lr 1e-3, L1 + 0.5 (1 - SSIM), prior 0.1, self-calibration 0.05).
