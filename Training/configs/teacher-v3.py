# teacher-v2 continued: a second cosine cycle from its final weights (peak 5e-4, half of v2's), on
# one thread beside the engine work of the session. The students' GT-mean PSNR (22.4-23.0) is above
# teacher-v2's (22.1): the teacher has to pull ahead before distillation can add anything, and
# the issue asks to continue from the committed checkpoints rather than stop.
mode = "teacher"
model = "teacher"
init_from = "teacher-v2"
steps = 3000
lr = 5e-4
warmup = 100

# Everything else is train.py DEFAULTS (batch 8, patch 128, L1 + 0.5 (1 - SSIM), prior 0.1, self-calibration 0.05).
# The schedule was planned at 4000 steps and cut to 3000 at step ~700 (one thread gave 1.7-2.7 s a
# step beside the engine work), so that the rate anneals with time left to distil this session.
