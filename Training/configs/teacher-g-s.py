# The teacher with a whole-frame view (network teacher-g: both U-Nets add a 1x1 conv of their
# deepest features' whole-frame mean) on the scene split. teacher-s, without it, memorised the
# exposures of its training pictures (22.1 dB on them, 19.0 on the unseen scenes) and ended below
# both of its students; the whole-frame real-time student (student-ldfc-net-rt-g-s) reached
# 21.0 dB there with 25 K parameters. Crops of 256 (batch 2, the pixels of 8 crops of 128) as
# that student's, so that the mean in training covers a quarter of a picture. teacher-s's rate;
# 2500 steps (teacher-s: 3500), sized to one thread of a 2-core session (1.5-1.9 s a step beside a
# student run and the Swift tests) with time left to distil from it in the same session.
mode = "teacher"
model = "teacher-g"
split = "scenes"
steps = 2500
batch = 2
patch = 256
