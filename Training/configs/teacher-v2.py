# The teacher again, at the students' learning rate. The first teacher (configs/teacher.py, lr 2e-4,
# 4000 steps) ended weaker than a 46 K-parameter student trained without it (val 17.9 dB / SSIM
# 0.749 against 19.1 / 0.832; training loss 0.23 against 0.21): it had not fitted its own training
# patches. This run starts from its weights with a 5x higher rate and a long schedule, resumed
# across sessions from checkpoints/teacher-v2.pt.
mode = "teacher"
model = "teacher"
init_from = "teacher"
steps = 20000

# Everything else is train.py DEFAULTS (batch 8, patch 128, lr 1e-3, L1 + 0.5 (1 - SSIM), prior 0.1, self-calibration 0.05).
